// The socket call the agent reporter needs and Glibc's Swift module does not show, since it is
// built without _GNU_SOURCE: batched datagrams (sendmmsg). The collector's calls are
// CDapperCollectorSocket's, so that a reporting service compiles none of them.
#ifndef DAPPER_SOCKET_H
#define DAPPER_SOCKET_H

#include <stddef.h>

/// One datagram to send: `length` bytes at `base`.
typedef struct {
    const void *base;
    size_t length;
} dapper_datagram;

/// Sends `count` datagrams on a connected socket with one sendmmsg call (at most 1024).
/// Returns how many were sent, or -1 with errno set when the first one failed.
int dapper_send_datagrams(int fd, const dapper_datagram *datagrams, unsigned int count);

#endif
