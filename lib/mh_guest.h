/* mh_guest.h - what the checks need to know about a guest, read from its
 * domain XML: type, emulator, memory and hugepages, CPU mode and features,
 * interfaces, disks and host devices. */
#ifndef MH_GUEST_H
#define MH_GUEST_H

#include "mh_names.h"
#include "mh_xml.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_error;

/* More devices of one kind than this is refused as hostile. The stdin cap
 * already bounds the work; this is the most PCI functions a guest can have
 * (256 buses x 32 slots x 8 functions), so no real guest is refused. */
#define MH_GUEST_MAX_DEVICES 65536

struct mh_guest_interface {
    char *type;                 /* bridge, network, direct, hostdev, user, ethernet... */
    char *source;               /* bridge, network or device name; NULL when none */
    char *virtualport;          /* openvswitch, 802.1Qbh...; NULL when none */
    char *mac;
    bool transient_teaming;     /* <teaming type='transient'>: unplugged for migration */
};

struct mh_guest_disk {
    char *type;                 /* file, block, dir, network, volume, nvme... */
    char *device;               /* disk, cdrom, floppy, lun */
    char *target;               /* vda */
    char *source;               /* path of a file, block or dir disk; NULL when none */
    char *startup_policy;       /* mandatory, requisite, optional; NULL when unset */
};

struct mh_guest_hostdev {
    char *mode;                 /* subsystem, capabilities */
    char *type;                 /* pci, usb, scsi, scsi_host, mdev, or the interface's "pci" */
    char *description;          /* for messages: "pci 0000:03:00.0", "usb 046d:c52b" */
    char *usb_id;               /* "vvvv:pppp" of a USB device named by vendor and product */
    char *startup_policy;
    bool transient_teaming;
};

struct mh_guest {
    char name[256];
    char uuid[MH_UUID_LENGTH + 1];
    char *domain_type;          /* kvm, qemu */
    char *emulator;             /* NULL when the XML names none */
    unsigned long long memory_kib;
    bool hugepages;             /* memory backed by hugepages */
    unsigned long hugepage_kib; /* their size; 0: the host's default */
    char *cpu_mode;             /* host-passthrough, host-model, custom, maximum; NULL: none */
    char *cpu_model;
    struct mh_names cpu_require;    /* canonical flags with policy require or force */
    struct mh_names cpu_forbid;     /* canonical flags with policy forbid */
    struct mh_names cpu_disable;    /* canonical flags with policy disable */

    struct mh_guest_interface *interfaces;
    size_t interface_count;
    struct mh_guest_disk *disks;
    size_t disk_count;
    struct mh_guest_hostdev *hostdevs;
    size_t hostdev_count;
};

/* Read the guest from a parsed domain XML. The guest owns copies of
 * everything; free with mh_guest_free (also after an error). */
int mh_guest_from_xml(xmlDoc *doc, struct mh_guest *guest, struct mh_error *err);

void mh_guest_free(struct mh_guest *guest);

/* The summary given to external checks (new reference); never holds
 * passwords or anything else of the XML beyond what is listed here. */
json_t *mh_guest_to_json(const struct mh_guest *guest);

/* True when the guest sees the host CPU as it is (host-passthrough, maximum). */
bool mh_guest_cpu_is_passthrough(const struct mh_guest *guest);

#endif
