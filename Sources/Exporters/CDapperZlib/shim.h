// The system's zlib (Debian: zlib1g-dev), for OTLP/HTTP's gzip request bodies.
#include <zlib.h>
