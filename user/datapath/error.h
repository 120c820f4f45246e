/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Why a datapath call failed where errno cannot say it.  Calls return 0,
 * -errno, or one of these negated (-DP_ATTACHED); the values lie above
 * every errno.  Errno results with a meaning of their own: -EPERM not root,
 * -ENODEV no such interface, -ENAMETOOLONG interface name too long.
 */
#ifndef IOTRIM_DATAPATH_ERROR_H
#define IOTRIM_DATAPATH_ERROR_H

enum dp_error {
	DP_NO_BTF = 4096,	/* the kernel has no BTF */
	DP_NO_BPFFS,		/* the pin directory is not, and cannot be, on bpffs */
	DP_NOT_ATTACHED,	/* no iotrim maps are pinned */
	DP_ATTACHED,		/* iotrim's attachment is live already */
	DP_FOREIGN_PROG,	/* an XDP program or TC filter iotrim did not load */
	DP_PINS_DIFFER,		/* the pinned maps are of another size or build */
	DP_LOAD_FAILED,		/* libbpf or the verifier refused a program */
	DP_UNSAFE_PIN_DIR,	/* the pin directory is not root's 0700 directory */
	DP_PINS_WOULD_VANISH,	/* the pins would go with the command's mount namespace */
};

#endif
