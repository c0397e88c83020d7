#include "lab_proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
lab_free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static bool
is_exec(const char *p)
{
	return access(p, X_OK) == 0;
}

int
lab_find_prog(const char *prog, char *buf, size_t len)
{
	char self[PATH_MAX], *slash, *path, *save = NULL;
	ssize_t n;

	if (buf == NULL || len == 0)
		return -1;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(buf, len, "%s/%s", self, prog);
			if (is_exec(buf))
				return 0;
			/* build tree: build/cmd/qmacsec/qmacsec ->
			 * build/cmd/<prog>/<prog> */
			snprintf(buf, len, "%s/../%s/%s", self, prog, prog);
			if (is_exec(buf))
				return 0;
		}
	}
	path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	for (char *d = path ? strtok_r(path, ":", &save) : NULL; d != NULL;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, len, "%s/%s", d, prog);
		if (is_exec(buf)) {
			free(path);
			return 0;
		}
	}
	free(path);
	return -1;
}

static int
record(const char *dir, const char *name, pid_t pid)
{
	char p[PATH_MAX];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/pids", dir);
	fp = fopen(p, "a");
	if (fp == NULL)
		return -1;
	fprintf(fp, "%s %d\n", name, (int)pid);
	return fclose(fp);
}

pid_t
lab_spawn(
    const char *dir, const char *name, const char *netns, char *const argv[])
{
	char logp[PATH_MAX];
	pid_t pid;
	int fd;

	snprintf(logp, sizeof(logp), "%s/%s.log", dir, name);
	fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "lab: cannot create %s: %s\n", logp,
		    strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(fd);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		char *nsargv[64];
		size_t i = 0;

		setsid();
		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (netns == NULL) {
			execv(argv[0], argv);
		} else {
			nsargv[i++] = "ip";
			nsargv[i++] = "netns";
			nsargv[i++] = "exec";
			nsargv[i++] = (char *)netns;
			for (size_t j = 0; argv[j] && i < 63; j++)
				nsargv[i++] = argv[j];
			nsargv[i] = NULL;
			execvp("ip", nsargv);
		}
		fprintf(stderr, "lab: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(fd);
	if (record(dir, name, pid) != 0)
		fprintf(stderr, "lab: cannot record pid of %s\n", name);
	return pid;
}

static pid_t
pid_of(const char *dir, const char *name)
{
	char p[PATH_MAX], n[128];
	int pid;
	pid_t found = -1;
	FILE *fp;

	snprintf(p, sizeof(p), "%s/pids", dir);
	fp = fopen(p, "r");
	if (fp == NULL)
		return -1;
	while (fscanf(fp, "%127s %d", n, &pid) == 2)
		if (strcmp(n, name) == 0)
			found = pid;
	fclose(fp);
	return found;
}

bool
lab_alive(const char *dir, const char *name)
{
	pid_t pid = pid_of(dir, name);

	/* reap it if it is our child and has exited */
	if (pid > 0)
		waitpid(pid, NULL, WNOHANG);
	return pid > 0 && kill(pid, 0) == 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* stop_pids sends SIGTERM to the |n| processes, waits up to 5 s for them
 * to exit, then sends SIGKILL to those left. Returns how many took the
 * SIGTERM (were running). */
static int
stop_pids(const pid_t *pids, int n)
{
	int stopped = 0;

	for (int i = 0; i < n; i++)
		if (kill(pids[i], SIGTERM) == 0)
			stopped++;
	for (int t = 0; t < 50; t++) {
		bool any = false;

		for (int i = 0; i < n; i++) {
			waitpid(pids[i], NULL, WNOHANG);
			any = any || kill(pids[i], 0) == 0;
		}
		if (!any)
			break;
		sleep_ms(100);
	}
	for (int i = 0; i < n; i++)
		if (kill(pids[i], SIGKILL) == 0)
			waitpid(pids[i], NULL, 0);
	return stopped;
}

int
lab_stop_all(const char *dir)
{
	char p[PATH_MAX], n[128];
	pid_t pids[64];
	int pid, count = 0, stopped;
	FILE *fp;

	snprintf(p, sizeof(p), "%s/pids", dir);
	fp = fopen(p, "r");
	if (fp == NULL)
		return 0;
	while (count < 64 && fscanf(fp, "%127s %d", n, &pid) == 2)
		pids[count++] = pid;
	fclose(fp);
	stopped = stop_pids(pids, count);
	unlink(p);
	return stopped;
}

int
lab_stop(const char *dir, const char *name)
{
	char p[PATH_MAX], tmp[PATH_MAX + 8], n[128];
	pid_t pids[64];
	int pid, count = 0;
	FILE *in, *out;

	snprintf(p, sizeof(p), "%s/pids", dir);
	snprintf(tmp, sizeof(tmp), "%s.new", p);
	in = fopen(p, "r");
	if (in == NULL)
		return 0;
	out = fopen(tmp, "w");
	if (out == NULL) {
		fclose(in);
		return 0;
	}
	/* the others stay recorded; |name| leaves the file before it is
	 * stopped, so that its pid, once reused, is never signalled */
	while (fscanf(in, "%127s %d", n, &pid) == 2) {
		if (strcmp(n, name) == 0 && count < 64)
			pids[count++] = pid;
		else
			fprintf(out, "%s %d\n", n, pid);
	}
	fclose(in);
	if (fclose(out) != 0 || rename(tmp, p) != 0) {
		unlink(tmp);
		return 0;
	}
	return stop_pids(pids, count) > 0 ? 1 : 0;
}

int
lab_write_file(
    const char *dir, const char *name, const char *text, unsigned mode)
{
	char p[PATH_MAX];
	int fd;
	size_t len = strlen(text);

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		fprintf(
		    stderr, "lab: cannot write %s: %s\n", p, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return close(fd);
}
