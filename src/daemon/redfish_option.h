/*
 * The Redfish service option of tagmemd (docs/redfish.md):
 *
 *   -redfish addr=HOST:PORT[,users=FILE]   serve Redfish over HTTP there
 *                                          (repeatable)
 *
 * HOST is an IP address ("[::1]" for IPv6), PORT 0..65535 (0: any free
 * port).  Only loopback addresses are accepted: a Redfish service on the
 * network needs TLS and users, and TLS is not there yet.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

typedef struct {
    char *host;
    guint16 port;
    char *users_file; /* NULL: loopback clients need no credentials */
} TmRedfishOption;

TmRedfishOption *tm_redfish_option_parse(const char *text, GError **err);
void tm_redfish_option_free(TmRedfishOption *option);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmRedfishOption, tm_redfish_option_free)
