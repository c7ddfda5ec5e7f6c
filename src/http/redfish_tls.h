/*
 * The Redfish service's TLS identity (docs/redfish.md, "TLS"): a PEM
 * certificate (chain) and its private key, loaded through GLib's TLS
 * backend (glib-networking's GnuTLS module) for libsoup's server.
 */
#pragma once

#include <gio/gio.h>

/*
 * The certificate of @cert_file with the key of @key_file.  Fails with a
 * message naming the file when one cannot be read or holds no PEM
 * certificate or key, and when the key is not the certificate's.
 */
GTlsCertificate *tm_redfish_tls_load(const char *cert_file, const char *key_file, GError **err);
