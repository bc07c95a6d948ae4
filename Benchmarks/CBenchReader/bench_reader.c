#define _GNU_SOURCE
#include "bench_reader.h"
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

enum { batch = 64, size = 64 * 1024 };
static char buffers[batch][size];
static atomic_long received;
static atomic_int stopping;
static pthread_t thread;
static int descriptor;

static void *read_loop(void *unused) {
    (void)unused;
    struct mmsghdr messages[batch];
    struct iovec vectors[batch];
    while (!atomic_load_explicit(&stopping, memory_order_relaxed)) {
        memset(messages, 0, sizeof messages);
        for (int i = 0; i < batch; i++) {
            vectors[i].iov_base = buffers[i];
            vectors[i].iov_len = size;
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
        }
        int count = recvmmsg(descriptor, messages, batch, MSG_WAITFORONE, NULL);
        if (count > 0) atomic_fetch_add_explicit(&received, count, memory_order_relaxed);
    }
    return NULL;
}

int bench_reader_start(int fd) {
    descriptor = fd;
    atomic_store(&stopping, 0);
    return pthread_create(&thread, NULL, read_loop, NULL);
}

long bench_reader_count(void) { return atomic_load_explicit(&received, memory_order_relaxed); }

void bench_reader_stop(void) {
    atomic_store(&stopping, 1);
    pthread_join(thread, NULL);
}
