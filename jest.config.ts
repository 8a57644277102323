import type { Config } from 'jest';

const tsJest: Config['transform'] = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
};

const config: Config = {
  projects: [
    {
      displayName: 'marbles',
      testMatch: ['<rootDir>/marbles/**/*.spec.ts'],
      transform: tsJest,
      testEnvironment: 'node',
    },
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      transform: tsJest,
      testEnvironment: 'node',
    },
  ],
};

export default config;
