import type { z } from 'zod';
import type { Sandbox } from '../../sandbox/provider.js';
import { looksBinary } from '../../workspace/files/file-kind.js';
import type { PlanStep } from '@tandem/shared/doc/schema.js';

/** Most characters of one tool result sent back to the model. */
export const MAX_TOOL_RESULT_CHARS = 30_000;
/** Most bytes of a command's output kept in the store ("full output" in the transcript). */
export const MAX_STORED_OUTPUT_BYTES = 1024 * 1024;

/** File reads and writes of the agent: through the live doc when the session syncs files, so people's edits merge. */
export interface FileAccess {
  read(path: string, signal: AbortSignal): Promise<Uint8Array>;
  write(path: string, content: string, signal: AbortSignal): Promise<void>;
  /** Who last changed the file (a person's name, the agent, or the sandbox), when known. */
  lastWriter(path: string): string | undefined;
}

export interface ToolContext {
  sandbox: Sandbox;
  files: FileAccess;
  /** Per run: each file's content as the agent last read or wrote it, to tell it when a file changed under it. */
  seen: Map<string, string>;
  signal: AbortSignal;
  /** Replaces the agent's view of the plan in the doc; returns the plan as it now stands. */
  updatePlan(steps: Array<{ id?: string; title: string; status: PlanStep['status'] }>): Promise<PlanStep[]>;
  /** Shows a long-running call's output to everyone as it arrives (the result still comes at the end). */
  onOutput?(text: string): void;
}

export interface ToolResult {
  output: string;
  isError: boolean;
  /** The whole output when `output` (what the model sees) was cut; kept in the store. */
  fullOutput?: string;
  /** Workspace paths read or written, linked from the transcript to the editor. */
  files?: string[];
}

/** A tool the agent may call: its input is validated with `input` before `run` sees it. */
export interface AgentTool<Input = unknown> {
  name: string;
  description: string;
  input: z.ZodType<Input>;
  run(input: Input, context: ToolContext): Promise<ToolResult>;
}

export function defineTool<Schema extends z.ZodType>(tool: {
  name: string;
  description: string;
  input: Schema;
  run(input: z.infer<Schema>, context: ToolContext): Promise<ToolResult>;
}): AgentTool {
  return tool as AgentTool;
}

/** Cuts text to `maxChars`, keeping the head and the tail (errors tend to be at the end). */
export function capText(text: string, maxChars = MAX_TOOL_RESULT_CHARS): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  const half = Math.floor(maxChars / 2);
  const dropped = text.length - 2 * half;
  return { text: `${text.slice(0, half)}\n… [${dropped} characters cut] …\n${text.slice(-half)}`, truncated: true };
}

export function errorResult(message: string): ToolResult {
  return { output: message, isError: true };
}

/** Workspace-relative path with no leading `./`, rejected when it tries to leave the workspace. */
export function workspacePath(raw: string): string {
  const trimmed = raw.trim().replace(/^\.\/+/, '').replace(/^\/workspace\/?/, '');
  return trimmed === '' ? '.' : trimmed;
}

/** Decodes a file for the model; binary files are refused with a clear message. */
export function decodeText(bytes: Uint8Array): string | null {
  if (looksBinary(bytes)) return null;
  return new TextDecoder('utf-8').decode(bytes);
}

/** A note for the model when a file changed since it last saw it, or null. */
export function changedUnderNote(context: ToolContext, path: string, current: string): string | null {
  const seen = context.seen.get(path);
  if (seen === undefined || seen === current) return null;
  const who = context.files.lastWriter(path);
  return `Note: ${path} changed since you last read it${who ? ` (last change by ${who})` : ''}.`;
}
