/*
 * The Redfish service option of tagmemd (docs/redfish.md):
 *
 *   -redfish addr=HOST:PORT[,tls-cert=FILE,tls-key=FILE][,users=FILE]
 *            [,idle-timeout=SECONDS]
 *                      serve Redfish over HTTP (HTTPS with tls-*) there
 *                      (repeatable)
 *
 * HOST is an IP address ("[::1]" for IPv6), PORT 0..65535 (0: any free
 * port).  A non-loopback address is accepted only with TLS and users: a
 * Redfish service on the network needs both.  tls-cert and tls-key are PEM
 * files, read when the server starts.  idle-timeout closes a connection on
 * which nothing moved for that long (default 30 s).
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

/* libsoup's server has no idle timeout of its own (docs/redfish.md). */
#define TM_REDFISH_IDLE_TIMEOUT_DEFAULT_S 30

typedef struct {
    char *host;
    guint16 port;
    char *users_file; /* NULL: loopback clients need no credentials */
    char *tls_cert;   /* PEM certificate (chain); NULL: plain HTTP */
    char *tls_key;    /* PEM private key; set exactly when tls_cert is */
    guint idle_timeout_s; /* idle-timeout=SECONDS, 1..3600 (default 30) */
} TmRedfishOption;

TmRedfishOption *tm_redfish_option_parse(const char *text, GError **err);
void tm_redfish_option_free(TmRedfishOption *option);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmRedfishOption, tm_redfish_option_free)
