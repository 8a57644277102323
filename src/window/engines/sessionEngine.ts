import type { WindowEngineFactory } from './WindowEngineLike';

/**
 * @internal
 * Event-time session windows with an aggregate function and the default
 * trigger (work in progress: not selected yet).
 */
export const sessionEngine: WindowEngineFactory = {
  supports: () => false,
  create: () => {
    throw new Error('sessionEngine: not selected');
  },
};
