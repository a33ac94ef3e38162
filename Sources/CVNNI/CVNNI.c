// CVNNI is header-only (include/CVNNI.h); SwiftPM needs one source file per C target.
