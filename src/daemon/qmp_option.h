/*
 * "-qmp unix:PATH,server=on,wait=off" (QEMU's -qmp with a socket chardev).
 *
 * tagmemd only listens, and never waits for a client before serving, so
 * server=on is required and wait=on is refused; wait may be left out.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

/* The socket path of a -qmp option, or NULL with @err naming what is wrong. */
char *tm_qmp_option_parse(const char *text, GError **err);
