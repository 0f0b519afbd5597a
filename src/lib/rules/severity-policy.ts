import type { Severity } from '../engine-types.ts';

/**
 * What each severity promises. The rules page prints this, and a unit test holds every rule's metadata to
 * it: an error rule must say in `consequence` what certainly goes wrong, and its findings must say so too.
 */
export const severityPolicy: Record<Severity, { heading: string; meaning: string }> = {
  error: {
    heading: 'Errors: mail will fail, or a secret will be exposed',
    meaning: 'With this configuration on the chosen Postfix release, mail certainly fails (Postfix stops, refuses, defers '
      + 'or bounces it) or a secret is certainly exposed. Every error finding states that consequence.',
  },
  warning: {
    heading: 'Warnings: likely wrong, or weaker than intended',
    meaning: 'The setting is most likely a mistake, has no effect where it was meant to, or gives less protection than '
      + 'it appears to; mail may still flow.',
  },
  info: {
    heading: 'Info: worth knowing',
    meaning: 'Works as written, but there is something to know: a better or newer way, a default that already does it, '
      + 'or a part of the file that could not be checked.',
  },
};
