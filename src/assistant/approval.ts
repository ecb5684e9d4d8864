/** An action the assistant asked for, as the user will hear it described. */
export interface ToolAction {
  name: string;
  /** The call's arguments, a JSON string as the model wrote them. */
  arguments: string;
}

/**
 * Decides whether an action may run. A picture can carry text that tries to
 * steer the tools; with confirmation on, a person says yes first.
 */
export interface ApprovalGate {
  readonly required: boolean;
  approve(action: ToolAction): Promise<boolean>;
}

export const NO_CONFIRMATION: ApprovalGate = { required: false, approve: async () => true };

export const DECLINED_OUTPUT = 'The user did not confirm this action, so it was not run. Tell the user it was not done.';
