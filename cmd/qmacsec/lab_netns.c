#include "lab_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int
lab_exec(const char *dir, const char *const argv[])
{
	char logp[PATH_MAX];
	pid_t pid;
	int st;

	snprintf(logp, sizeof(logp), "%s/lab-setup.log", dir);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		FILE *fp = fopen(logp, "a");

		if (fp != NULL) {
			dup2(fileno(fp), 1);
			dup2(fileno(fp), 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "lab: `%s %s %s %s ...` failed (see %s)\n",
		    argv[0], argv[1], argv[2] ? argv[2] : "",
		    argv[2] && argv[3] ? argv[3] : "", logp);
		return -1;
	}
	return 0;
}

/* record appends |ns| to DIR/netns: written before the namespace exists,
 * so that `lab down` finds it even if we die right after creating it. */
static int
record(const char *dir, const char *ns)
{
	char p[PATH_MAX];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/netns", dir);
	fp = fopen(p, "a");
	if (fp == NULL) {
		fprintf(
		    stderr, "lab: cannot write %s: %s\n", p, strerror(errno));
		return -1;
	}
	fprintf(fp, "%s\n", ns);
	return fclose(fp) == 0 ? 0 : -1;
}

int
lab_netns_add(const char *dir, const char *ns)
{
	if (record(dir, ns) != 0 ||
	    LAB_EXEC(dir, "ip", "netns", "add", ns) != 0 ||
	    LAB_EXEC(dir, "ip", "netns", "exec", ns, "sysctl", "-q", "-w",
		"net.ipv6.conf.all.disable_ipv6=1",
		"net.ipv6.conf.default.disable_ipv6=1") != 0 ||
	    LAB_EXEC(dir, "ip", "-n", ns, "link", "set", "lo", "up") != 0)
		return -1;
	return 0;
}

int
lab_netns_down(const char *dir)
{
	char p[PATH_MAX], ns[64];
	int n = 0;
	FILE *fp;

	snprintf(p, sizeof(p), "%s/netns", dir);
	fp = fopen(p, "r");
	if (fp == NULL)
		return -1;
	while (fscanf(fp, "%63s", ns) == 1) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			int nul = open("/dev/null", O_WRONLY);

			/* a namespace listed but never made: no noise */
			if (nul >= 0)
				dup2(nul, 2);
			execlp("ip", "ip", "netns", "del", ns, (char *)NULL);
			_exit(127);
		}
		if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0)
			n++;
	}
	fclose(fp);
	unlink(p);
	return n;
}

int
lab_veth_add(const char *dir, const char *ns1, const char *if1,
    const char *mac1, const char *ns2, const char *if2, const char *mac2)
{
	const char *const ns[2] = { ns1, ns2 }, *const ifs[2] = { if1, if2 };
	char key[64];
	int rv;

	if (mac1 != NULL && mac2 != NULL)
		rv = LAB_EXEC(dir, "ip", "link", "add", if1, "netns", ns1,
		    "address", mac1, "type", "veth", "peer", "name", if2,
		    "netns", ns2, "address", mac2);
	else
		rv = LAB_EXEC(dir, "ip", "link", "add", if1, "netns", ns1,
		    "type", "veth", "peer", "name", if2, "netns", ns2);
	if (rv != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		/* Off before the link goes up: no RS, MLD or DAD frame. */
		snprintf(key, sizeof(key), "net.ipv6.conf.%s.disable_ipv6=1",
		    ifs[i]);
		if (LAB_EXEC(dir, "ip", "netns", "exec", ns[i], "sysctl", "-q",
			"-w", key) != 0 ||
		    LAB_EXEC(dir, "ip", "-n", ns[i], "link", "set", ifs[i],
			"up") != 0)
			return -1;
	}
	return 0;
}

int
lab_addr_add(
    const char *dir, const char *ns, const char *ifname, const char *cidr)
{
	return LAB_EXEC(
	    dir, "ip", "-n", ns, "addr", "add", cidr, "dev", ifname);
}

int
lab_netns_enter(const char *ns, int *saved, char *err, size_t errlen)
{
	char p[PATH_MAX];
	int fd, cur;

	snprintf(p, sizeof(p), "/run/netns/%s", ns);
	cur = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (cur < 0 || fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
		snprintf(err, errlen, "cannot enter network namespace %s: %s",
		    ns, strerror(errno));
		if (cur >= 0)
			close(cur);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	*saved = cur;
	return 0;
}

int
lab_netns_leave(int saved)
{
	int rv = setns(saved, CLONE_NEWNET);

	close(saved);
	return rv == 0 ? 0 : -1;
}

int
lab_netns_socket(
    const char *ns, int domain, int type, int proto, char *err, size_t errlen)
{
	int saved = -1, fd;

	if (ns != NULL && lab_netns_enter(ns, &saved, err, errlen) != 0)
		return -1;
	fd = socket(domain, type, proto);
	if (fd < 0)
		snprintf(err, errlen, "socket: %s", strerror(errno));
	if (saved >= 0 && lab_netns_leave(saved) != 0) {
		snprintf(err, errlen, "cannot leave network namespace %s", ns);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}
