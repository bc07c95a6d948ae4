#ifndef DAPPER_THREAD_LOCAL_H
#define DAPPER_THREAD_LOCAL_H

// The pointer to this thread's ThreadLocalState (the span pool's magazine and the identifier
// generator), in a C thread-local variable: Swift has none, and a pthread key costs a call
// and a lookup (about 20 instructions) on each of the several accesses per span.
//
// The initial-exec model makes each access one instruction (an offset from the thread
// pointer). It needs the variable in the static TLS block, which holds it whenever the
// library is linked into the program, as SwiftPM does; a shared library opened later with
// dlopen draws on glibc's reserve for exactly such variables, which 8 bytes fit.
extern __thread void *dapper_thread_state __attribute__((tls_model("initial-exec")));

/// This thread's state, or NULL before the thread's first span.
static inline void *dapper_thread_state_get(void) { return dapper_thread_state; }

/// Sets this thread's state (NULL once it is freed at thread exit).
static inline void dapper_thread_state_set(void *state) { dapper_thread_state = state; }

#endif
