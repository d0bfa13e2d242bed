import type { ContentBlockParam, MessageParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages/messages';
import type { DeliveryMode } from '@tandem/shared/doc/schema.js';
import type { TurnBlock } from '../model/stream-turn.js';

/** A person's message on its way to the agent. */
export interface PersonMessage {
  id: string;
  authorId: string;
  authorName: string;
  text: string;
  delivery: DeliveryMode;
}

const DELIVERY_CONTEXT: Record<DeliveryMode, string> = {
  chat: 'said to the others',
  prompt: 'asks',
  steer: 'steers while you work',
  queue: 'follows up',
  interrupt: 'interrupted you',
};

/** Every person's words reach the model with their name, so the agent knows who said what. */
export function formatPersonMessage(message: PersonMessage): string {
  return `[${message.authorName} ${DELIVERY_CONTEXT[message.delivery]}]\n${message.text}`;
}

export function toolResult(toolUseId: string, content: string, isError: boolean): ToolResultBlockParam {
  return { type: 'tool_result', tool_use_id: toolUseId, content, is_error: isError };
}

/**
 * The Messages API conversation of one run. It keeps the API's rules: roles alternate, every
 * tool_use is answered by a tool_result in the next user turn, no empty text blocks.
 */
export class Conversation {
  readonly messages: MessageParam[];

  /** Starts empty, or continues `history` (earlier runs of the session, already valid). */
  constructor(history: readonly MessageParam[] = []) {
    this.messages = [...history];
  }

  addUser(blocks: ContentBlockParam[]): void {
    if (blocks.length === 0) return;
    const last = this.messages.at(-1);
    if (last?.role === 'user') {
      const content = typeof last.content === 'string' ? [{ type: 'text' as const, text: last.content }] : last.content;
      // tool_results must come first in a user turn.
      last.content = [...content, ...blocks].sort((left, right) => Number(right.type === 'tool_result') - Number(left.type === 'tool_result'));
    } else {
      this.messages.push({ role: 'user', content: blocks });
    }
  }

  addPeople(messages: PersonMessage[]): void {
    this.addUser(messages.map((message) => ({ type: 'text', text: formatPersonMessage(message) })));
  }

  /** The assistant turn as it was received (cut short by an interrupt, it keeps what arrived). */
  addAssistant(blocks: TurnBlock[]): void {
    const content: ContentBlockParam[] = [];
    for (const block of blocks) {
      if (block.type === 'text') {
        if (block.text.trim()) content.push({ type: 'text', text: block.text });
      } else {
        content.push({ type: 'tool_use', id: block.id, name: block.name, input: block.input ?? {} });
      }
    }
    if (content.length > 0) this.messages.push({ role: 'assistant', content });
  }
}
