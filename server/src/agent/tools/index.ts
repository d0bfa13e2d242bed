import { z } from 'zod';
import type { Tool } from '@anthropic-ai/sdk/resources/messages/messages';
import { bashTool } from './bash.js';
import { editFileTool } from './edit-file.js';
import { grepTool } from './grep.js';
import { listFilesTool } from './list-files.js';
import { readFileTool } from './read-file.js';
import type { AgentTool, ToolContext, ToolResult } from './tool.js';
import { updatePlanTool } from './update-plan.js';
import { writeFileTool } from './write-file.js';
import { SandboxError } from '../../sandbox/provider.js';

export const AGENT_TOOLS: readonly AgentTool[] = [bashTool, readFileTool, writeFileTool, editFileTool, listFilesTool, grepTool, updatePlanTool];

const definitionCache = new WeakMap<readonly AgentTool[], Tool[]>();

/** The tools as the Messages API describes them (JSON Schema from the zod inputs), built once per tool set. */
export function toolDefinitions(tools: readonly AgentTool[] = AGENT_TOOLS): Tool[] {
  const cached = definitionCache.get(tools);
  if (cached) return cached;
  const definitions = tools.map((tool): Tool => {
    const { $schema: _schema, ...schema } = z.toJSONSchema(tool.input) as Record<string, unknown>;
    return { name: tool.name, description: tool.description, input_schema: { ...schema, type: 'object' } };
  });
  definitionCache.set(tools, definitions);
  return definitions;
}

/** Runs one tool call: an unknown tool or invalid input becomes an error the model can act on, never a crash. */
export async function runToolCall(name: string, input: unknown, context: ToolContext, tools: readonly AgentTool[] = AGENT_TOOLS): Promise<ToolResult> {
  const tool = tools.find((candidate) => candidate.name === name);
  if (!tool) return { output: `There is no tool named ${name}. Available: ${tools.map((t) => t.name).join(', ')}.`, isError: true };
  const parsed = tool.input.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ');
    return { output: `Invalid input for ${name}: ${problems}. Fix the input and call it again.`, isError: true };
  }
  try {
    return await tool.run(parsed.data, context);
  } catch (error) {
    if (error instanceof SandboxError && error.code === 'aborted') throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { output: `${name} failed: ${message}`, isError: true };
  }
}
