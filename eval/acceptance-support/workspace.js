import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Acceptance checks run in the session's sandbox from outside its workspace (/tmp), with the
 * workspace as their working directory: these resolve the files the agent left there.
 */
export const workspacePath = (relative) => path.resolve(process.cwd(), relative);

export const workspaceModule = (relative) => import(pathToFileURL(workspacePath(relative)).href);
