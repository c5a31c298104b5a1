dnl SKIFF_TRY_STATIC(PREFIX, PKG-CONFIG-MODULE, ARCHIVE-NAME, FUNCTION): when lib<ARCHIVE-NAME>.a
dnl links a call of FUNCTION, PREFIX_LIBS becomes that archive (linked statically, the rest stays
dnl dynamic), found where pkg-config says the module's library is.
AC_DEFUN([SKIFF_TRY_STATIC], [
  AC_MSG_CHECKING([for a static lib$3.a])
  skiff_save_LIBS=$LIBS
  skiff_static="-Wl,-Bstatic -l$3 -Wl,-Bdynamic"
  LIBS="`$PKG_CONFIG --libs-only-L $2 2>/dev/null` $skiff_static $LIBS"
  AC_LINK_IFELSE([AC_LANG_CALL([], [$4])],
    [AC_MSG_RESULT([yes]); $1_LIBS="`$PKG_CONFIG --libs-only-L $2 2>/dev/null` $skiff_static"],
    [AC_MSG_RESULT([no, linking the shared library])])
  LIBS=$skiff_save_LIBS
])

dnl SKIFF_TRY_LDFLAG(FLAG): appends FLAG to SKIFF_LDFLAGS when the linker accepts it.
AC_DEFUN([SKIFF_TRY_LDFLAG], [
  AC_MSG_CHECKING([whether the linker accepts $1])
  skiff_save_LDFLAGS=$LDFLAGS
  LDFLAGS="$LDFLAGS -Wl,--fatal-warnings $1" dnl a linker warns of -z options it does not know
  AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes]); SKIFF_LDFLAGS="$SKIFF_LDFLAGS $1"], [AC_MSG_RESULT([no])])
  LDFLAGS=$skiff_save_LDFLAGS
])
