/*
 * The web page's static files (web/ in the source tree, installed in
 * DATADIR/tagmem/web): every path outside /redfish names a file of that
 * one directory, "/" its index.html.  Only plain names of known types are
 * served (no "/", no leading ".", no escapes), so a path can never reach
 * outside the directory (docs/redfish.md, "Web page").
 */
#pragma once

#include <stdbool.h>
#include <libsoup/soup.h>

/* The directory: $TAGMEM_WEB_DIR when set (tests, uninstalled runs), else the installed one. */
const char *tm_redfish_static_dir(void);

/* @path is not the Redfish tree's: a static file's (or nothing's). */
bool tm_redfish_static_owns(const char *path);

/* Answer @msg with the file @path names in @dir, or 404/405/304. */
void tm_redfish_static_serve(const char *dir, SoupServerMessage *msg, const char *path);
