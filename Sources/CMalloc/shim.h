#ifndef MUC_CMALLOC_SHIM_H
#define MUC_CMALLOC_SHIM_H
// glibc's allocator interface (mallinfo2, mallopt), which the Glibc module does not export.
#include <malloc.h>
#endif
