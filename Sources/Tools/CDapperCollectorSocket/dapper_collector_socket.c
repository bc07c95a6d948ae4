#define _GNU_SOURCE
#include "dapper_collector_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

enum { dapper_max_batch = 1024 };

int dapper_receive_datagrams(int fd, dapper_receive_buffer *buffers, unsigned int count) {
    if (count > dapper_max_batch) count = dapper_max_batch;
    struct mmsghdr messages[count];
    struct iovec vectors[count];
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned int i = 0; i < count; i++) {
        vectors[i].iov_base = buffers[i].base;
        vectors[i].iov_len = buffers[i].capacity;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    int received;
    do {
        received = recvmmsg(fd, messages, count, MSG_WAITFORONE, NULL);
    } while (received < 0 && errno == EINTR);
    for (int i = 0; i < received; i++) {
        buffers[i].received = messages[i].msg_len;
        buffers[i].truncated = (messages[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    }
    return received;
}

int dapper_accept(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int dapper_nonblocking_pipe(int fds[2]) {
    return pipe2(fds, O_NONBLOCK | O_CLOEXEC);
}
