import type { ApprovalGate, ToolAction } from '../assistant/approval';

export type ConfirmMode = 'never' | 'always';

/**
 * The spoken yes before an action runs: the service says what it is about to
 * do, and the action runs only if "confirm" is heard (or the button pressed)
 * within the time limit. Silence, "cancel" or the limit passing means no.
 */
export class ConfirmationGate implements ApprovalGate {
  readonly required: boolean;
  private pending?: { resolve: (ok: boolean) => void; timer: NodeJS.Timeout };

  constructor(
    mode: ConfirmMode,
    private readonly timeoutMs: number,
    private readonly onDecision: (action: ToolAction, decision: 'confirmed' | 'declined' | 'timed-out') => void = () => undefined,
  ) {
    this.required = mode === 'always';
  }

  get waiting(): boolean {
    return this.pending !== undefined;
  }

  approve(action: ToolAction): Promise<boolean> {
    this.settle(false); // one question at a time: an older one is answered no
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.onDecision(action, 'timed-out');
        resolve(false);
      }, this.timeoutMs);
      this.pending = {
        resolve: (ok) => {
          clearTimeout(timer);
          this.onDecision(action, ok ? 'confirmed' : 'declined');
          resolve(ok);
        },
        timer,
      };
    });
  }

  /** "confirm" or the button; true when it answered a waiting question. */
  confirm(): boolean {
    return this.settle(true);
  }

  /** "cancel"; true when it answered a waiting question. */
  decline(): boolean {
    return this.settle(false);
  }

  private settle(ok: boolean): boolean {
    const p = this.pending;
    if (!p) return false;
    this.pending = undefined;
    p.resolve(ok);
    return true;
  }
}

/** What the service says before an action: the instruction the model wrote, in plain words. */
export function confirmationPrompt(action: ToolAction, confirmWord: string): string {
  let what = action.arguments;
  try {
    const args = JSON.parse(action.arguments) as Record<string, unknown>;
    const parts = Object.values(args).filter((v): v is string => typeof v === 'string' && v.trim().length > 0);
    if (parts.length) what = parts.join('. ');
  } catch {
    // Unreadable arguments are read out as they are; the tool itself refuses them later.
  }
  return `I am about to run the ${action.name} action: ${what.replace(/[.\s]+$/, '')}. Say ${confirmWord} to go ahead.`;
}
