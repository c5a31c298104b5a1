/* The pod sandbox's process for the CRI tests: holds the pod's namespaces open until told to stop.
 * SIGINT/SIGTERM end it (exit 0: a stopped pod is not a failed one); as the pid 1 of a pod that shares
 * its pid namespace it reaps the orphans the pod's containers leave. Built static by the test, so the
 * image needs nothing else: cc -static -O2 -o pause pause.c */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig)
{
  (void) sig;
  _exit(0);
}

static void reap(int sig)
{
  (void) sig;
  while (waitpid(-1, NULL, WNOHANG) > 0)
    ;
}

int main(void)
{
  struct sigaction stopping = { .sa_handler = stop };
  struct sigaction reaping = { .sa_handler = reap, .sa_flags = SA_NOCLDSTOP | SA_RESTART };

  if (sigaction(SIGINT, &stopping, NULL) < 0 || sigaction(SIGTERM, &stopping, NULL) < 0
      || sigaction(SIGCHLD, &reaping, NULL) < 0)
    return 1;
  for (;;)
    pause();
}
