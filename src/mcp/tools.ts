/**
 * The MCP tools: their names, what an LLM reads about them, and their input schemas. Each schema is a zod object
 * whose fields are taken from the proxy API's request schemas (`src/mj/schemas.ts`), the speed modes and the intent
 * catalogue, so a rule lives in one place; the JSON schema a client sees is derived from it (`z.toJSONSchema`).
 * Images arrive as http(s) URLs or data URLs only (never a path: the server must not read its own files for a caller).
 */
import { z } from 'zod';
import { INTENT_FORMS } from '../mj/buttons';
import { MjInputError } from '../mj/errors';
import { blendRequestSchema, imagineRequestSchema, videoRequestSchema } from '../mj/schemas';
import { imageRefProblem, pngDataUrlProblem } from '../mj/data-url';
import { SPEED_MODES } from '../mj/terms/speed-modes';
import { CONSOLE_STATES } from '../console/backend';

const prompt = imagineRequestSchema.shape.prompt.describe('The MidJourney prompt, parameters included (--ar 3:2 …).');
const mode = z.enum(SPEED_MODES).optional().describe('Speed mode; the service default when left out.');
const imageRef = z
  .string()
  .superRefine((v, ctx) => {
    const problem =
      /^https?:\/\//i.test(v) || v.startsWith('data:') ? imageRefProblem(v) : 'must be an http(s) URL or a data URL';
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('An image as an http(s) URL or a data: URL (base64).');
const jobId = z.string().min(1).max(200).describe('A job id as a tool or task answered it (the MCP task id).');
const maskDataUrl = z
  .string()
  .superRefine((v, ctx) => {
    const problem = pngDataUrlProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('Vary (Region) mask: a PNG data URL at the image size, white = repaint, black = keep.');

export const TOOL_SCHEMAS = {
  imagine: z.object({
    prompt,
    mode,
    images: z.array(imageRef).max(5).optional().describe('Reference images for the prompt.'),
  }),
  press: z.object({
    job: jobId,
    button: z
      .string()
      .min(1)
      .max(80)
      .describe(
        `A button of the job's result, by its label as listed by the status tool (e.g. "U2", "Vary (Region)") or by ` +
          `intent: ${INTENT_FORMS.join(', ')}.`
      ),
    image: z
      .number()
      .int()
      .min(1)
      .max(4)
      .optional()
      .describe('Which image of a grid (1–4) the button acts on, e.g. button "upscale" with image 2 is U2.'),
    prompt: prompt.optional().describe('The prompt Vary (Region) and Custom Zoom ask for; asked for when left out.'),
    mask: maskDataUrl.optional(),
    mode,
  }),
  blend: z.object({
    images: z.array(imageRef).min(2).max(5).describe('2 to 5 images to blend.'),
    dimensions: blendRequestSchema.shape.dimensions.describe('Aspect of the blend.'),
    mode,
  }),
  describe: z.object({ image: imageRef.describe('The image to describe (four prompts come back).'), mode }),
  shorten: z.object({ prompt: prompt.describe('A long prompt to shorten (shorter prompts come back).'), mode }),
  video: z.object({
    prompt,
    image: imageRef.optional().describe('Start frame.'),
    endImage: imageRef.optional().describe('End frame.'),
    motion: videoRequestSchema.shape.motion,
    loop: videoRequestSchema.shape.loop,
    batchSize: videoRequestSchema.shape.batchSize,
    mode,
  }),
  status: z.object({ job: jobId }),
  list: z.object({
    state: z.enum(CONSOLE_STATES).optional().describe('Only jobs in this state.'),
    text: z.string().max(200).optional().describe('Case-insensitive part of the prompt or id.'),
    limit: z.number().int().min(1).max(100).optional().describe('At most this many jobs (default 20).'),
  }),
} as const;

export type ToolName = keyof typeof TOOL_SCHEMAS;
export type ToolArgs<N extends ToolName> = z.infer<(typeof TOOL_SCHEMAS)[N]>;

/** Tools that start a job: they take task augmentation, and their task is the job. */
export const JOB_TOOLS = ['imagine', 'press', 'blend', 'describe', 'shorten', 'video'] as const satisfies ToolName[];

const WAITS =
  ' Runs as a durable job: as an MCP task it answers at once with the task (= job id) to follow with tasks/get and ' +
  'tasks/result; as a plain call it waits a bounded time and then answers the job id to pass to the status tool.';

const DESCRIPTIONS: Record<ToolName, string> = {
  imagine:
    'Generate a 2×2 grid of images from a MidJourney prompt. The result lists the grid and its buttons ' +
    '(U1–U4 upscale one image, V1–V4 vary it, 🔄 reroll), to use with the press tool.' +
    WAITS,
  press:
    'Press a button on a finished job: upscale (U1–U4), variation (V1–V4), reroll, zoom out, pan, upscale ' +
    'subtle/creative, Vary (Region) (asks for a prompt and a mask), Custom Zoom (asks for a prompt), … A button ' +
    'that needs input asks through elicitation, or takes `prompt` and `mask` here.' +
    WAITS,
  blend: 'Blend 2–5 images into a new grid.' + WAITS,
  describe: 'Describe an image: four prompts that would make it.' + WAITS,
  shorten: 'Shorten a long prompt: the key words and shorter variants.' + WAITS,
  video: 'Make a short video from a prompt, optionally from a start (and end) frame.' + WAITS,
  status:
    "A job's state (queued, running, waiting for input, succeeded, failed, cancelled), progress, images, " +
    'buttons and result text. Never starts anything.',
  list: "The caller's jobs, newest first (id, state, prompt).",
};

export interface ToolDefinition {
  name: ToolName;
  description: string;
  inputSchema: { type: 'object'; [k: string]: unknown };
  execution?: { taskSupport: 'optional' | 'required' | 'forbidden' };
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; openWorldHint?: boolean };
}

/** What `tools/list` answers. */
export function toolDefinitions(): ToolDefinition[] {
  return (Object.keys(TOOL_SCHEMAS) as ToolName[]).map((name) => {
    const starts = isJobTool(name);
    const { $schema: _drop, ...schema } = z.toJSONSchema(TOOL_SCHEMAS[name], { io: 'input' }) as Record<
      string,
      unknown
    >;
    return {
      name,
      description: DESCRIPTIONS[name],
      inputSchema: { ...schema, type: 'object' },
      execution: { taskSupport: starts ? 'optional' : 'forbidden' },
      annotations: starts ? { openWorldHint: true, destructiveHint: false } : { readOnlyHint: true },
    };
  });
}

export function isJobTool(name: ToolName): name is (typeof JOB_TOOLS)[number] {
  return (JOB_TOOLS as readonly string[]).includes(name);
}

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(TOOL_SCHEMAS, name);
}

/** The arguments checked against the tool's schema; a bad one throws {@link MjInputError} naming the field. */
export function parseToolArgs<N extends ToolName>(name: N, args: unknown): ToolArgs<N> {
  const r = TOOL_SCHEMAS[name].safeParse(args ?? {});
  if (r.success) return r.data as ToolArgs<N>;
  const issue = r.error.issues[0]!;
  throw new MjInputError(issue.path.join('.') || 'arguments', issue.message);
}
