import * as path from 'node:path';
import { OperationIndex } from './operations';
import { defaultSpecPath, loadSpec } from './spec';
import { normalizeSpec } from './spec-normalize';
import { SpecValidator } from './validator';

/** Everything derived from openapi.yaml that the server consults per request. */
export interface Contract {
  specPath: string;
  operations: OperationIndex;
  validator: SpecValidator;
}

const contracts = new Map<string, Contract>();

/** One per spec file per process: Ajv's compiled validators are the expensive part and are shared by every server. */
export function loadContract(specPath: string = defaultSpecPath()): Contract {
  const key = path.resolve(specPath);
  let contract = contracts.get(key);
  if (!contract) {
    const spec = normalizeSpec(loadSpec(key));
    contract = { specPath: key, operations: new OperationIndex(spec.doc), validator: new SpecValidator(spec) };
    contracts.set(key, contract);
  }
  return contract;
}
