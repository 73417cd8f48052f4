/* The container image of a release (`make image`, release/image.sh): FROM
 * scratch, only the static binary as entrypoint, user 65532. Scheduled
 * snapshots run it by default; the user can name another. release/image.sh
 * reads the repository from this line, so it is said once. */
#ifndef VOLSNAP_IMAGE_H
#define VOLSNAP_IMAGE_H

#define VOLSNAP_IMAGE_REPOSITORY "ghcr.io/kubectl-volsnap/kubectl-volsnap"
/* "ghcr.io/kubectl-volsnap/kubectl-volsnap:v0.1.0": this build's own release. */
#define VOLSNAP_DEFAULT_IMAGE VOLSNAP_IMAGE_REPOSITORY ":v" VOLSNAP_VERSION

#endif
