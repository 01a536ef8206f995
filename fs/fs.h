/* The FUSE session, for the few places that must talk to the kernel outside a reply. */
#ifndef FS_FS_H
#define FS_FS_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

/* Drop the kernel's cached directory entry of a destroyed VM. */
void fs_forget_vm(const char *name);
extern const struct fuse_lowlevel_ops vmmfs_ops;
/* At shutdown: free the files the kernel never released (a blocked run's). */
void fs_release_all(void);
extern struct fuse_session *vmmfs_session;
/*
 * Once mounted, before any thread starts: note the mount's device (files
 * on it are refused as backing or images) and drop the capabilities the
 * daemon does not use (fs/creds.c).
 */
void creds_init(const char *mountpoint);

#endif
