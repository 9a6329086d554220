#ifndef MUC_CLIBXML2_SHIM_H
#define MUC_CLIBXML2_SHIM_H
// xmlversion.h first, then drop ICU: otherwise every module that also imports Foundation
// fails a clean build with "'UErrorCode' has different definitions in different modules".
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
#endif
