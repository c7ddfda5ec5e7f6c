/*
 * Admission of connections to a listening socket: at most a number at
 * once, and none that would leave the process fewer than a reserve of
 * descriptors (so that, say, QMP can still answer when host connections
 * and memory objects take the rest).  A refused connection is closed at
 * once, which keeps the listening socket's queue from filling; refusals
 * are logged at most once a second, with how many there were.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

typedef struct {
    char *label;             /* "CCI socket /run/tagmem/host0.sock", owned */
    guint limit;             /* connections at once */
    guint fd_reserve;        /* descriptors to leave free */
    guint refused;           /* since the last log line */
    gint64 last_log_us;
} TmAdmission;

void tm_admission_init(TmAdmission *admission, const char *label, guint limit,
                       guint fd_reserve);
void tm_admission_clear(TmAdmission *admission);

/*
 * May connection @fd (just accepted) join the @current ones?  When not,
 * the refusal is counted and logged, and the caller closes @fd.
 */
bool tm_admission_admit(TmAdmission *admission, guint current, int fd);
