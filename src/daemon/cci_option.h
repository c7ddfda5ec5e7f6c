/*
 * The CCI socket options of tagmemd (docs/host-protocol.md, Sockets):
 *
 *   -host id=N,socket=PATH[,device=ID]   where host N of a device listens
 *   -fm socket=PATH[,device=ID]          where a device's FM port listens
 *   --max-payload SIZE                   the largest CCI payload, a power of
 *                                        two from 256 to 1M (default 1M)
 *
 * device= names the device (its id); without it, the option is for the
 * first device (the default device "dcd0" when no -device is given).
 * Whether the device and host exist is checked when the devices exist.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef enum {
    TM_CCI_SOCKET_HOST,
    TM_CCI_SOCKET_FM,
} TmCciSocketKind;

typedef struct {
    char *text;        /* the option as given, for messages */
    TmCciSocketKind kind;
    uint16_t host_id;  /* TM_CCI_SOCKET_HOST */
    char *path;
    char *device_id;   /* NULL: the first device */
} TmCciSocketOption;

/* Errors name the parameter and value; the caller adds which option. */
TmCciSocketOption *tm_cci_socket_option_parse(TmCciSocketKind kind, const char *text,
                                              GError **err);
void tm_cci_socket_option_free(TmCciSocketOption *option);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmCciSocketOption, tm_cci_socket_option_free)

/* --max-payload: a size (K/M suffixes allowed), a power of two from 256 to 1 MiB. */
bool tm_max_payload_parse(const char *text, uint32_t *out, GError **err);
