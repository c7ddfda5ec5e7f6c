#include "core/admission.h"

#include <sys/resource.h>

void tm_admission_init(TmAdmission *admission, const char *label, guint limit,
                       guint fd_reserve)
{
    *admission = (TmAdmission){
        .label = g_strdup(label), .limit = limit, .fd_reserve = fd_reserve,
    };
}

void tm_admission_clear(TmAdmission *admission)
{
    g_clear_pointer(&admission->label, g_free);
}

/* Descriptors are handed out lowest first, so @fd tells how many are in use. */
static bool leaves_reserve(const TmAdmission *admission, int fd)
{
    struct rlimit limit;

    if (admission->fd_reserve == 0 || getrlimit(RLIMIT_NOFILE, &limit) != 0 ||
        limit.rlim_cur == RLIM_INFINITY) {
        return true;
    }
    return (rlim_t)fd + admission->fd_reserve < limit.rlim_cur;
}

static void log_refusal(TmAdmission *admission, const char *why)
{
    gint64 now = g_get_monotonic_time();

    admission->refused++;
    if (now - admission->last_log_us < G_USEC_PER_SEC) {
        return;
    }
    g_warning("%s: refused %u connection(s): %s", admission->label, admission->refused, why);
    admission->refused = 0;
    admission->last_log_us = now;
}

bool tm_admission_admit(TmAdmission *admission, guint current, int fd)
{
    if (current >= admission->limit) {
        g_autofree char *why = g_strdup_printf("%u connections already, the limit "
                                               "(--max-connections)", current);
        log_refusal(admission, why);
        return false;
    }
    if (!leaves_reserve(admission, fd)) {
        g_autofree char *why = g_strdup_printf("fewer than %u file descriptors would be left "
                                               "(raise RLIMIT_NOFILE)", admission->fd_reserve);
        log_refusal(admission, why);
        return false;
    }
    return true;
}
