// The agent benchmark's unixgram reader: a thread that receives datagrams in batches
// (recvmmsg) and counts them, doing nothing else, so that it keeps up with the reporter.
#ifndef BENCH_READER_H
#define BENCH_READER_H
/// Starts reading `fd` (which must have a receive timeout) on a thread of its own.
int bench_reader_start(int fd);
/// Datagrams received so far.
long bench_reader_count(void);
/// Stops the thread and waits for it.
void bench_reader_stop(void);
#endif
