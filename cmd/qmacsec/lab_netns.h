/*
 * lab_netns.h — network namespaces, veth links and setup commands of a
 * lab (`qmacsec lab`), shared by the macsec-pair and poc topologies.
 *
 * A lab records every namespace it creates in DIR/netns (one name a line)
 * BEFORE it creates it, so that `qmacsec lab down DIR` removes them all,
 * also after a crash. Setup commands (`ip`, `sysctl`) run as child
 * processes whose output goes to DIR/lab-setup.log.
 *
 * Every namespace made here has IPv6 off (all, default, and each veth end
 * before it goes up), so the kernel sends no router solicitation, MLD or
 * DAD frame: a capture sees only the lab's own traffic.
 *
 * lab_netns_enter()/lab_netns_leave() move the calling thread into a
 * namespace and back, so that one process can own sockets in several
 * namespaces (a socket stays in the namespace it was created in).
 */
#ifndef QS_LAB_NETNS_H
#define QS_LAB_NETNS_H

#include <stddef.h>

/* lab_exec runs |argv| (argv[0] looked up on PATH), its output appended
 * to DIR/lab-setup.log. Returns 0 if it exited 0, or -1 with a message on
 * stderr. */
int lab_exec(const char *dir, const char *const argv[]);

/* LAB_EXEC(dir, "ip", "link", ...) is lab_exec with an inline list. */
#define LAB_EXEC(dir, ...) \
	lab_exec(dir, (const char *const[]){ __VA_ARGS__, NULL })

/* lab_netns_add records |ns| in DIR/netns, creates it, turns IPv6 off
 * and brings its loopback up. Returns 0 or -1 with a message on stderr. */
int lab_netns_add(const char *dir, const char *ns);

/* lab_netns_down deletes the network namespaces listed in DIR/netns and
 * the file. Returns how many it deleted, or -1 if there is no such
 * file. */
int lab_netns_down(const char *dir);

/* lab_veth_add links interface |if1| in namespace |ns1| to |if2| in
 * |ns2| with a veth pair (MAC addresses |mac1|/|mac2|, or NULL for
 * random ones), turns IPv6 off on both ends and brings them up. Returns
 * 0 or -1 with a message on stderr. */
int lab_veth_add(const char *dir, const char *ns1, const char *if1,
    const char *mac1, const char *ns2, const char *if2, const char *mac2);

/* lab_addr_add adds |cidr| ("10.78.1.1/30") to |ifname| in |ns|.
 * Returns 0 or -1 with a message on stderr. */
int lab_addr_add(
    const char *dir, const char *ns, const char *ifname, const char *cidr);

/* lab_netns_enter moves the calling thread into namespace |ns| (a name
 * under /run/netns); |*saved| receives a descriptor of the namespace it
 * was in. Returns 0, or -1 with the reason in |err| (the thread stays
 * where it was). */
int lab_netns_enter(const char *ns, int *saved, char *err, size_t errlen);

/* lab_netns_leave moves the thread back to |saved| and closes it.
 * Returns 0 or -1 (the thread could not go back: the caller must stop). */
int lab_netns_leave(int saved);

/* lab_netns_socket is socket(2) inside namespace |ns| (NULL: here).
 * Returns the descriptor, or -1 with the reason in |err|. */
int lab_netns_socket(
    const char *ns, int domain, int type, int proto, char *err, size_t errlen);

#endif /* QS_LAB_NETNS_H */
