#include "http/redfish_tls.h"

#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <string.h>

#include "core/error.h"

/* Read @path whole, naming it and the option in the error. */
static bool read_pem(const char *option, const char *path, char **text, gsize *len, GError **err)
{
    if (!g_file_get_contents(path, text, len, err)) {
        g_prefix_error(err, "%s: ", option);
        return false;
    }
    return true;
}

/*
 * GLib's backend takes any key with any certificate and fails only at the
 * first handshake; GnuTLS compares the key with the certificate's public
 * key when both are set as one credential, so a wrong pair is refused at
 * start-up instead.
 */
static bool check_pair(const char *cert_file, const char *cert, gsize cert_len,
                       const char *key_file, const char *key, gsize key_len, GError **err)
{
    gnutls_certificate_credentials_t credentials;
    gnutls_datum_t cert_datum = { (unsigned char *)cert, (unsigned)cert_len };
    gnutls_datum_t key_datum = { (unsigned char *)key, (unsigned)key_len };

    if (gnutls_certificate_allocate_credentials(&credentials) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot allocate TLS credentials");
        return false;
    }
    int ret = gnutls_certificate_set_x509_key_mem(credentials, &cert_datum, &key_datum,
                                                  GNUTLS_X509_FMT_PEM);
    gnutls_certificate_free_credentials(credentials);
    if (ret == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "tls-key: '%s' is not the private key of the certificate in '%s'", key_file,
                    cert_file);
        return false;
    }
    if (ret < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "tls-cert '%s', tls-key '%s': not a PEM certificate and key (%s)", cert_file,
                    key_file, gnutls_strerror(ret));
        return false;
    }
    return true;
}

GTlsCertificate *tm_redfish_tls_load(const char *cert_file, const char *key_file, GError **err)
{
    g_autofree char *cert = NULL, *key = NULL;
    gsize cert_len = 0, key_len = 0;

    if (!read_pem("tls-cert", cert_file, &cert, &cert_len, err) ||
        !read_pem("tls-key", key_file, &key, &key_len, err) ||
        !check_pair(cert_file, cert, cert_len, key_file, key, key_len, err)) {
        if (key != NULL) {
            explicit_bzero(key, key_len);
        }
        return NULL;
    }
    g_autofree char *pem = g_strconcat(cert, "\n", key, NULL);
    explicit_bzero(key, key_len);
    GTlsCertificate *certificate = g_tls_certificate_new_from_pem(pem, -1, err);
    explicit_bzero(pem, strlen(pem));
    if (certificate == NULL) {
        g_prefix_error(err, "tls-cert '%s', tls-key '%s': ", cert_file, key_file);
    }
    return certificate;
}
