import { z } from 'zod';
import { MAX_PLAN_STEP_TITLE_CHARS } from '@tandem/shared/limits.js';
import { planStepStatusSchema } from '@tandem/shared/doc/schema.js';
import { defineTool } from './tool.js';

export const MAX_PLAN_STEPS = 50;

export const updatePlanTool = defineTool({
  name: 'update_plan',
  description:
    'Keep the shared plan current: everyone in the session sees it and may edit it too. Send the steps in order; ' +
    'give a step its id (from the last result) to update it, leave the id out to add a step. Steps you leave out ' +
    'stay as they are. Status is one of pending, in_progress, done, failed, skipped.',
  input: z.object({
    steps: z
      .array(
        z.object({
          id: z.string().optional(),
          title: z.string().min(1).max(MAX_PLAN_STEP_TITLE_CHARS),
          status: planStepStatusSchema,
        }),
      )
      .min(1)
      .max(MAX_PLAN_STEPS),
  }),
  async run(input, { updatePlan }) {
    const plan = await updatePlan(input.steps);
    const lines = plan.map((step) => `- [${step.status}] ${step.title} (id ${step.id})`);
    return { output: `The plan now reads:\n${lines.join('\n')}`, isError: false };
  },
});
