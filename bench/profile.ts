import { loadServerlessYml } from './esbuild-options';

/**
 * What the bench runs: the environment serverless.yml deploys for a stage (provider.environment with that stage's
 * params over the defaults), read from the file and never retyped here, so when serverless.yml changes (tracing
 * made opt-in, another credential store) the bench follows. `npm run bench` measures the prod stage.
 */
export const DEPLOYED_STAGE = 'prod';

export interface DeployedFunction {
  stage: string;
  service: string;
  /** provider.runtime, e.g. nodejs22.x. */
  runtime: string;
  memorySize: number;
  timeoutSeconds: number;
  /** provider.tracing.lambda: Lambda's active tracing (the platform samples and runs the X-Ray daemon). */
  activeTracing: boolean;
  /** provider.environment, resolved for the stage. */
  environment: Record<string, string>;
}

export interface Profile {
  name: 'deployed-default' | 'lean' | 'traced';
  /** What differs from the deployed environment, for the results file. */
  description: string;
  environment: Record<string, string>;
}

type Doc = Record<string, unknown>;

const at = (doc: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node as Doc | undefined)?.[key], doc);

const VARIABLE = /\$\{([^${}]+)\}/;

/** Resolves serverless variables: param, self, sls:stage, opt (its default), env (its default, not ours). */
const resolver = (doc: Doc, stage: string) => {
  const params = at(doc, 'params') as Record<string, Doc>;
  const stageParams = { ...params.default, ...params[stage] };
  const lookup = (reference: string): unknown => {
    const [source = '', fallback] = reference.split(/,\s*/, 2);
    const unquote = (text: string | undefined) => text?.replace(/^'(.*)'$/, '$1');
    const [kind, name = ''] = source.split(/:(.*)/s, 2) as [string, string?];
    if (kind === 'param') return stageParams[name];
    if (kind === 'self') return at(doc, name);
    if (kind === 'sls' && name === 'stage') return stage;
    if (kind === 'opt' && name === 'stage') return stage;
    if (kind === 'opt' || kind === 'env') return unquote(fallback);
    throw new Error(`serverless.yml: cannot resolve \${${reference}} for the bench`);
  };
  const resolve = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    let text = value;
    for (let match = VARIABLE.exec(text); match !== null; match = VARIABLE.exec(text)) {
      const resolved = resolve(lookup(match[1] as string));
      if (match[0] === text) return resolved; // a whole-value variable keeps its type (booleans, numbers)
      text = text.replace(match[0], String(resolved));
    }
    return text;
  };
  return resolve;
};

export const deployedFunction = (root: string, stage = DEPLOYED_STAGE): DeployedFunction => {
  const doc = loadServerlessYml(root);
  const resolve = resolver(doc, stage);
  const environment = Object.fromEntries(
    Object.entries(at(doc, 'provider.environment') as Doc).map(([name, value]) => [name, String(resolve(value))]),
  );
  return {
    stage,
    service: String(resolve(at(doc, 'service'))),
    runtime: String(resolve(at(doc, 'provider.runtime'))),
    memorySize: Number(resolve(at(doc, 'provider.memorySize'))),
    timeoutSeconds: Number(resolve(at(doc, 'provider.timeout'))),
    activeTracing: String(resolve(at(doc, 'provider.tracing.lambda'))) === 'true',
    environment,
  };
};

/** In-process tracing (the Powertools Tracer) is on for an environment unless POWERTOOLS_TRACE_ENABLED=false. */
export const inProcessTracing = (environment: Record<string, string>): boolean =>
  environment.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';

/**
 * The deployed default profile, and beside it the other tracing choice: "lean" (in-process tracing off) when the
 * default traces in process, "traced" (on) when it does not.
 */
export const benchProfiles = (deployed: DeployedFunction): [Profile, Profile] => {
  const defaultProfile: Profile = {
    name: 'deployed-default',
    description: `serverless.yml provider.environment for stage ${deployed.stage}, as deployed`,
    environment: deployed.environment,
  };
  const traced = inProcessTracing(deployed.environment);
  const other: Profile = {
    name: traced ? 'lean' : 'traced',
    description: `as deployed, with POWERTOOLS_TRACE_ENABLED=${traced ? 'false' : 'true'}`,
    environment: { ...deployed.environment, POWERTOOLS_TRACE_ENABLED: traced ? 'false' : 'true' },
  };
  return [defaultProfile, other];
};
