import { optionsFromArgv } from '../../../src/simulator/cli';

const argv = (...args: string[]) => ['node', 'cli.ts', ...args];

describe('simulator CLI options', () => {
  it('maps flags to simulator options', () => {
    expect(
      optionsFromArgv(
        argv('--flavour', 'gateway', '--port', '8080', '--time-scale', '60', '--api-key', 'X', '--remix', '--seed', '1')
      )
    ).toMatchObject({
      flavour: 'gateway',
      port: 8080,
      timeScale: 60,
      apiKey: 'X',
      remix: true,
      seed: 1,
      host: '127.0.0.1',
    });
  });

  it('defaults to trueai on a random port at real speed', () => {
    expect(optionsFromArgv(argv())).toMatchObject({
      flavour: 'trueai',
      port: 0,
      timeScale: 1,
      remix: false,
      defaultVersion: '7',
    });
  });

  it('takes expiry limits in simulated seconds', () => {
    expect(optionsFromArgv(argv('--modal-ttl', '600', '--gateway-task-timeout', '0'))).toMatchObject({
      modalTtl: 600_000,
      gatewayTaskTimeout: 0,
    });
    expect(optionsFromArgv(argv()).modalTtl).toBeUndefined();
    expect(optionsFromArgv(argv('--state-file', 'data/sim.json')).stateFile).toBe('data/sim.json');
  });

  it('rejects an unknown flavour and a bad number', () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() => optionsFromArgv(argv('--flavour', 'bogus'))).toThrow();
    expect(() => optionsFromArgv(argv('--time-scale', '-1'))).toThrow();
    stderr.mockRestore();
  });
});
