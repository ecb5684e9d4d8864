import type { Logger } from 'pino';
import { type ApprovalGate, DECLINED_OUTPUT, NO_CONFIRMATION, type ToolAction } from './approval';
import type { AnswerEvent } from './thread-manager';
import type { ToolRunner } from './zapier-tool';

export interface ToolRoundOptions {
  /** The function tool; absent (MCP only), a call to it is answered with an error the model can read. */
  tool?: ToolRunner;
  gate?: ApprovalGate;
  log: Logger;
}

/**
 * Answers one function call the model asked for, in either dialect: the
 * user's word first when the gate wants it, then the tool. Yields what the
 * user is told about; returns the output handed back to the model.
 */
export async function* runFunctionCall(o: ToolRoundOptions, call: ToolAction): AsyncGenerator<AnswerEvent, string> {
  const gate = o.gate ?? NO_CONFIRMATION;
  let output: string;
  if (!o.tool) output = `Error: there is no function named "${call.name}".`;
  else {
    const approved = gate.required ? yield* askApproval(gate, call) : true;
    output = approved ? await o.tool.run(call.name, call.arguments) : DECLINED_OUTPUT;
  }
  o.log.info({ tool: call.name }, 'tool call answered');
  yield { type: 'tool-call', name: call.name, arguments: call.arguments, output };
  return output;
}

/** Asks the gate about an action (announced first, so the user hears what is asked); returns the answer. */
export async function* askApproval(gate: ApprovalGate, action: ToolAction): AsyncGenerator<AnswerEvent, boolean> {
  yield { type: 'approval-needed', name: action.name, arguments: action.arguments };
  return gate.approve({ name: action.name, arguments: action.arguments });
}
