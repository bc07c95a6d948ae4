// The protobuf-c runtime (Debian: libprotobuf-c-dev), which packs and unpacks the
// messages generated into CDapperSpanProto, CDapperZipkinProto and CDapperOTLPProto.
#include <protobuf-c/protobuf-c.h>
