/** ListGroups, DescribeGroups, DeleteGroups. */
import { DeleteGroups } from '../../protocol/messages/DeleteGroups.js';
import { DescribeGroups } from '../../protocol/messages/DescribeGroups.js';
import { ListGroups } from '../../protocol/messages/ListGroups.js';
import { handler } from '../RequestContext.js';

export const handleListGroups = handler(ListGroups, (context, request) => {
  const result = context.groups.listGroups({ statesFilter: request.statesFilter });
  return { throttleTimeMs: 0, ...result };
});

export const handleDescribeGroups = handler(DescribeGroups, (context, request) => {
  const groups = context.groups.describeGroups(request.groups);
  return { throttleTimeMs: 0, groups };
});

export const handleDeleteGroups = handler(DeleteGroups, async (context, request) => {
  const results = await context.groups.deleteGroups(request.groupsNames);
  return { throttleTimeMs: 0, results };
});
