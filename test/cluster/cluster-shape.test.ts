/**
 * The local cluster is the production shape, not a dev server in disguise: four server processes that found each
 * other through PostgreSQL, the dynamic config file compose mounts in effect, and the namespace and search
 * attributes exactly as deploy/cluster.env names them (registered by deploy/register-search-attributes.sh).
 */
import { Connection } from '@temporalio/client';
import { startCluster, type LocalCluster } from '../../scripts/cluster/cluster';
import { SERVICES } from '../../scripts/cluster/settings';

jest.setTimeout(120_000);

let cluster: LocalCluster;
let connection: Connection;

beforeAll(async () => {
  cluster = await startCluster({ name: 'shape' });
  connection = await Connection.connect({ address: cluster.address });
}, 300_000);

afterAll(async () => {
  await connection?.close();
  await cluster?.stop();
});

describe('the local Temporal cluster', () => {
  it('runs frontend, history, matching and worker as four processes that found each other through PostgreSQL', () => {
    const pids = SERVICES.map((s) => cluster.services[s].pid);
    expect(new Set(pids).size).toBe(4);
    for (const pid of pids) expect(() => process.kill(pid!, 0)).not.toThrow();
    // Ringpop membership lives in the cluster_membership table: one live row per service role.
    const roles = cluster.postgres.psql(
      'SELECT count(DISTINCT role) FROM cluster_membership WHERE record_expiry > now()',
      cluster.settings.database
    );
    expect(Number(roles)).toBe(4);
    const dbs = cluster.postgres.psql('SELECT datname FROM pg_database ORDER BY datname').split('\n');
    expect(dbs).toEqual(expect.arrayContaining([cluster.settings.database, cluster.settings.visibilityDatabase]));
  });

  it('loads deploy/dynamicconfig/production-sql.yaml: a 256-character workflow id is refused, 255 is accepted', async () => {
    const { workflowService } = connection;
    const start = (id: string) =>
      workflowService.startWorkflowExecution({
        namespace: cluster.namespace,
        workflowId: id,
        workflowType: { name: 'noSuchWorkflow' },
        taskQueue: { name: 'nowhere' },
        requestId: id.slice(0, 36),
      });
    // The server's own default is 1000; only the file makes 256 too long.
    await expect(start('x'.repeat(256))).rejects.toThrow(/length|too long|exceeds/i);
    const ok = await start('y'.repeat(255));
    expect(ok.runId).toBeTruthy();
    await workflowService.terminateWorkflowExecution({
      namespace: cluster.namespace,
      workflowExecution: { workflowId: 'y'.repeat(255) },
      reason: 'id length probe',
    });
  });

  it('has the namespace, retention and search attributes of deploy/cluster.env', async () => {
    const ns = await connection.workflowService.describeNamespace({ namespace: cluster.namespace });
    const m = /^(\d+)([hd])$/.exec(cluster.settings.retention);
    expect(m).not.toBeNull();
    const seconds = Number(m![1]) * (m![2] === 'd' ? 86_400 : 3_600);
    expect(Number(ns.config?.workflowExecutionRetentionTtl?.seconds)).toBe(seconds);
    const attrs = await connection.operatorService.listSearchAttributes({ namespace: cluster.namespace });
    const KEYWORD = 2; // IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
    for (const { name, type } of cluster.settings.searchAttributes) {
      expect({ name, type, registered: attrs.customAttributes[name] }).toEqual({ name, type, registered: KEYWORD });
    }
  });
});
