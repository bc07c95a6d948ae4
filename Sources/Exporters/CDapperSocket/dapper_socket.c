#define _GNU_SOURCE
#include "dapper_socket.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

enum { dapper_max_batch = 1024 };

int dapper_send_datagrams(int fd, const dapper_datagram *datagrams, unsigned int count) {
    if (count > dapper_max_batch) count = dapper_max_batch;
    struct mmsghdr messages[count];
    struct iovec vectors[count];
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned int i = 0; i < count; i++) {
        vectors[i].iov_base = (void *)datagrams[i].base;
        vectors[i].iov_len = datagrams[i].length;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    int sent;
    do {
        sent = sendmmsg(fd, messages, count, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent;
}
