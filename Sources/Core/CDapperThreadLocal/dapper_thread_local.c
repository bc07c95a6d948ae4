#include "dapper_thread_local.h"

__thread void *dapper_thread_state __attribute__((tls_model("initial-exec"))) = 0;
