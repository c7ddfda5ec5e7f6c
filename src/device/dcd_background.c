/*
 * The device's one background operation (background_op.h), shared by its
 * host ports and its FM port: observers hear when it ends, so the CCI
 * server can tell the hosts (docs/host-protocol.md, "Notification").
 */
#include "device/dcd_internal.h"

typedef struct {
    TmDcd *dev;
    TmBackgroundJobSpec job;  /* the caller's */
} DeviceJob;

static TmDcStatus run_work(TmBackgroundJob *job, void *opaque)
{
    DeviceJob *device_job = opaque;

    return device_job->job.work(job, device_job->job.opaque);
}

static void on_done(TmDcStatus status, bool shutting_down, void *opaque)
{
    DeviceJob *device_job = opaque;
    TmDcd *dev = device_job->dev;

    device_job->job.done(status, shutting_down, device_job->job.opaque);
    g_free(device_job);
    if (!shutting_down) {
        TmDcdNotice notice = { .kind = TM_DCD_NOTICE_BACKGROUND_DONE,
                               .host_id = TM_DCD_NO_HOST };
        tm_dcd_notify(dev, &notice);
    }
}

TmDcStatus tm_dcd_start_background(TmDcd *dev, const TmBackgroundJobSpec *spec, GError **err)
{
    DeviceJob *device_job = g_new0(DeviceJob, 1);
    TmBackgroundJobSpec wrapped = {
        .opcode = spec->opcode,
        .work = run_work,
        .done = on_done,
        .opaque = device_job,
    };

    device_job->dev = dev;
    device_job->job = *spec;
    TmDcStatus status = tm_background_op_start(dev->background, &wrapped, err);
    if (status != TM_DC_OK) {
        g_free(device_job);
    }
    return status;
}

TmBackgroundStatus tm_dcd_background_status(TmDcd *dev)
{
    return tm_background_op_status(dev->background);
}
