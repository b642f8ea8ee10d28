/** ListGroups, DescribeGroups, DeleteGroups. */
import type { RequestHandler } from '../RequestContext.js';

export const handleListGroups: RequestHandler = (context, body) => {
  const result = context.groups.listGroups({ statesFilter: body.statesFilter as string[] });
  return { throttleTimeMs: 0, ...result };
};

export const handleDescribeGroups: RequestHandler = (context, body) => {
  const groups = context.groups.describeGroups(body.groups as string[]);
  return { throttleTimeMs: 0, groups };
};

export const handleDeleteGroups: RequestHandler = async (context, body) => {
  const results = await context.groups.deleteGroups(body.groupsNames as string[]);
  return { throttleTimeMs: 0, results };
};
