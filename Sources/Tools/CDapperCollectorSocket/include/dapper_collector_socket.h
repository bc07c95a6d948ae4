// The socket calls the collector needs and Glibc's Swift module does not show, since it is
// built without _GNU_SOURCE: batched datagrams (recvmmsg), accept4, pipe2.
#ifndef DAPPER_COLLECTOR_SOCKET_H
#define DAPPER_COLLECTOR_SOCKET_H

#include <stddef.h>

/// One buffer to receive a datagram into; `received` is set to the datagram's length and
/// `truncated` to 1 when the datagram was longer than the buffer.
typedef struct {
    void *base;
    size_t capacity;
    size_t received;
    int truncated;
} dapper_receive_buffer;

/// Receives up to `count` datagrams with one recvmmsg call (at most 1024), waiting for the
/// first. Returns how many were received, or -1 with errno set.
int dapper_receive_datagrams(int fd, dapper_receive_buffer *buffers, unsigned int count);

/// Accepts a connection as a non-blocking, close-on-exec socket (accept4). Returns the
/// descriptor, or -1 with errno set (EAGAIN when none is waiting).
int dapper_accept(int fd);

/// Makes a pipe whose both ends are non-blocking and close-on-exec (pipe2): `fds[0]` reads,
/// `fds[1]` writes. Returns 0, or -1 with errno set.
int dapper_nonblocking_pipe(int fds[2]);

#endif
