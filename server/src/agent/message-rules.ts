import type { ContentBlockParam, MessageParam } from '@anthropic-ai/sdk/resources/messages/messages';

function blocksOf(message: MessageParam): ContentBlockParam[] {
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
}

/**
 * The first way `messages` breaks the Messages API's conversation rules, or null when it keeps them:
 * it starts with a user turn, roles alternate, no turn or text block is empty, every tool_use is
 * answered in the very next user turn, tool_results come first there and answer only that turn's calls.
 * The real API rejects a request that breaks one (400), so a rebuilt or compacted history is checked
 * against these before it is sent, and the fake Messages API of the tests enforces them too.
 */
export function findMessageRuleViolation(messages: readonly MessageParam[]): string | null {
  if (messages.length === 0) return 'the conversation is empty';
  if (messages[0]!.role !== 'user') return 'the first message must be a user turn';
  const seenToolUseIds = new Set<string>();
  for (const [index, message] of messages.entries()) {
    const where = `message ${index} (${message.role})`;
    if (index > 0 && messages[index - 1]!.role === message.role) return `${where} follows another ${message.role} turn; roles must alternate`;
    const blocks = blocksOf(message);
    if (blocks.length === 0) return `${where} has no content`;
    for (const block of blocks) {
      if (block.type === 'text' && block.text.trim() === '') return `${where} has an empty text block`;
    }
    if (message.role === 'assistant') {
      const calls = blocks.flatMap((block) => (block.type === 'tool_use' ? [block.id] : []));
      for (const id of calls) {
        if (seenToolUseIds.has(id)) return `${where} repeats tool_use id ${id}`;
        seenToolUseIds.add(id);
      }
      if (calls.length === 0) continue;
      const next = messages[index + 1];
      if (!next) return `${where} ends with tool_use blocks that no tool_result answers`;
      const answered = new Set(blocksOf(next).flatMap((block) => (block.type === 'tool_result' ? [block.tool_use_id] : [])));
      const missing = calls.filter((id) => !answered.has(id));
      if (missing.length > 0) return `tool_use ids ${missing.join(', ')} of ${where} have no tool_result in the next message`;
      continue;
    }
    const previous = messages[index - 1];
    const calledBefore = new Set(
      previous && previous.role === 'assistant' ? blocksOf(previous).flatMap((block) => (block.type === 'tool_use' ? [block.id] : [])) : [],
    );
    let sawOther = false;
    for (const block of blocks) {
      if (block.type !== 'tool_result') {
        sawOther = true;
        continue;
      }
      if (sawOther) return `${where} has a tool_result after other content; tool_results must come first`;
      if (!calledBefore.has(block.tool_use_id)) return `${where} answers tool_use id ${block.tool_use_id}, which the previous assistant turn did not call`;
    }
  }
  return null;
}
