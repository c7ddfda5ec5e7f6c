#include "core/size.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static int suffix_shift(char c)
{
    switch (g_ascii_toupper(c)) {
    case 'B': return 0;
    case 'K': return 10;
    case 'M': return 20;
    case 'G': return 30;
    case 'T': return 40;
    case 'P': return 50;
    case 'E': return 60;
    default:  return -1;
    }
}

static bool size_error(GError **err, const char *field, const char *text, const char *why)
{
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "Parameter '%s' expects a size (bytes, or a number with suffix K, M, G, T), "
                "got '%s': %s", field, text ? text : "", why);
    return false;
}

static bool parse_hex(const char *text, const char *field, uint64_t *out, GError **err)
{
    char *end;

    /* Checked here: on "0x" alone strtoull() reads the "0" and stops at 'x'. */
    if (!g_ascii_isxdigit(text[2])) {
        return size_error(err, field, text, "no digits after 0x");
    }
    errno = 0;
    unsigned long long value = strtoull(text, &end, 16);
    if (errno == ERANGE) {
        return size_error(err, field, text, "too large");
    }
    if (*end != '\0') {
        return size_error(err, field, text, "unexpected characters after the number");
    }
    *out = value;
    return true;
}

bool tm_size_parse(const char *text, const char *field, uint64_t *out, GError **err)
{
    if (text == NULL || *text == '\0') {
        return size_error(err, field, text, "empty");
    }
    if (text[0] == '-') {
        return size_error(err, field, text, "negative");
    }
    if (!g_ascii_isdigit(text[0]) && text[0] != '.') {
        return size_error(err, field, text, "not a number");
    }
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        return parse_hex(text, field, out, err);
    }

    /* Integer part and fraction are read separately so that sizes up to
     * 2^64-1 stay exact; only the fraction goes through floating point. */
    char *end;
    errno = 0;
    unsigned long long whole = strtoull(text, &end, 10);
    if (errno == ERANGE) {
        return size_error(err, field, text, "too large");
    }
    double fraction = 0.0;
    if (*end == '.') {
        /* Digits only: strtod() would also take exponents and "inf". */
        double place = 0.1;
        const char *digit = end + 1;
        for (; g_ascii_isdigit(*digit); digit++, place /= 10.0) {
            fraction += (*digit - '0') * place;
        }
        if (digit == end + 1) {
            return size_error(err, field, text, "no digits after the decimal point");
        }
        end = (char *)digit;
    }

    int shift = 0;
    if (*end != '\0') {
        shift = suffix_shift(*end);
        if (shift < 0 || end[1] != '\0') {
            return size_error(err, field, text, "unknown suffix (use B, K, M, G, T, P or E)");
        }
    } else if (fraction != 0.0) {
        return size_error(err, field, text, "a fraction needs a suffix");
    }

    if (shift > 0 && whole > (UINT64_MAX >> shift)) {
        return size_error(err, field, text, "too large");
    }
    uint64_t bytes = (uint64_t)whole << shift;
    uint64_t extra = (uint64_t)floor(fraction * (double)(1ULL << shift));
    if (bytes > UINT64_MAX - extra) {
        return size_error(err, field, text, "too large");
    }
    *out = bytes + extra;
    return true;
}

char *tm_size_to_human(uint64_t bytes)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    unsigned unit = 0;
    double value = (double)bytes;

    while (value >= 1024.0 && unit + 1 < G_N_ELEMENTS(units)) {
        value /= 1024.0;
        unit++;
    }
    if (unit == 0) {
        return g_strdup_printf("%" G_GUINT64_FORMAT " B", bytes);
    }
    return g_strdup_printf("%.4g %s", value, units[unit]);
}
