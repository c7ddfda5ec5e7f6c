#include "host/host_error.h"

G_DEFINE_QUARK(tm-host-error-quark, tm_host_error)
