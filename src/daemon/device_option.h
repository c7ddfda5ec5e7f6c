/*
 * "-device cxl-type3,id=ID,key=value,..." (QEMU's -device, keyval with the
 * implied key "driver") parsed into a typed device create request.
 *
 * Values are converted by the kind of the cxl-type3 property they name, as
 * for -object ("dc-regions-total-size=4G").  tagmemd needs an id (it names
 * the device's QOM path /machine/peripheral/ID and its sockets); QEMU's
 * "bus" is accepted and ignored, so that a QEMU device line can be pasted:
 * tagmemd has no PCI topology.
 */
#pragma once

#include <glib.h>

#include "device/device_registry.h"

typedef struct {
    char *text;     /* the option as given, for messages */
    char *driver;   /* "cxl-type3" */
    char *id;
    GArray *props;  /* TmPropAssignment; names are the class's */
} TmDeviceOption;

/* Errors name the parameter and value; the caller adds which option. */
TmDeviceOption *tm_device_option_parse(const char *text, GError **err);
void tm_device_option_free(TmDeviceOption *option);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmDeviceOption, tm_device_option_free)

/* Create the device in @registry (all-or-nothing, as the registry is). */
TmDcd *tm_device_option_create(const TmDeviceOption *option, TmDeviceRegistry *registry,
                               GError **err);
