import { describe, expect, it } from 'vitest';
import { screenText, screenTexts } from './screening.js';

describe('screenText flags mentions of forbidden areas for review (R8.1)', () => {
  it.each([
    ['三楼卫生间门口', '卫生间', 'R8.1(3)'],
    ['东侧厕所', '厕所', 'R8.1(3)'],
    ['洗手间入口', '洗手间', 'R8.1(3)'],
    ['员工更衣室', '更衣室', 'R8.1(3)'],
    ['学生宿舍楼大门', '宿舍', 'R8.1(2)'],
    ['1208客房', '客房', 'R8.1(1)'],
    ['客房部走廊', '客房', 'R8.1(1)'],
    ['二楼浴室', '浴室', 'R8.1(3)'],
    ['母婴哺乳室', '哺乳室', 'R8.1(3)'],
    ['女装试衣间', '试衣间', 'R8.1(3)'],
    ['餐厅包间 A', '包间', 'R8.1(1)'],
    ['员工休息室', '员工休息室', 'R8.1(2)'],
    ['Restroom, level 2', 'restroom', 'R8.1(3)'],
    ['rest rooms near gate 4', 'restroom', 'R8.1(3)'],
    ['Toilet block B', 'toilet', 'R8.1(3)'],
    ['WC corridor', 'WC', 'R8.1(3)'],
    ['North dorm', 'dormitory', 'R8.1(2)'],
    ['Dormitory D3', 'dormitory', 'R8.1(2)'],
    ['Locker room', 'changing room', 'R8.1(3)'],
    ['changing-room entrance', 'changing room', 'R8.1(3)'],
    ['Fitting Rooms', 'fitting room', 'R8.1(3)'],
    ['Nursing room', 'nursing room', 'R8.1(3)'],
    ["Mother's room", 'nursing room', 'R8.1(3)'],
    ['Guest room 1208', 'guest room', 'R8.1(1)'],
    ['Bathroom', 'bathroom', 'R8.1(3)'],
    ['Pool showers', 'bathroom', 'R8.1(3)'],
    ['Staff break room', 'staff rest room', 'R8.1(2)'],
    ["Men's room", 'washroom', 'R8.1(3)'],
  ])('%s → %s (%s)', (text, term, article) => {
    const result = screenText(text);
    expect(result.status).toBe('review');
    if (result.status === 'review') expect(result.matches[0]).toMatchObject({ term, article });
  });

  it.each([
    '正门广场',
    '停车场出入口',
    '公共卫生服务中心大厅', // 卫生 without 间: public health centre
    '面包间操作台', // 面包间: the bakery room, not 包间
    '旅客房车营地', // 旅客 + 房车 (RV camp), not 客房
    '候车大厅',
    '贵宾休息区',
    'Main entrance',
    'Toiletries aisle', // toilet only as a whole word
    'WCDMA base station mast',
    'Dormer Street',
    'Showroom floor',
    'Restaurant lobby',
    'Forest Road',
    'Bathurst Road',
    'Necessity: protects privacy of visitors while covering the cash desk',
    '注重保护个人隐私',
  ])('does not flag %s', (text) => {
    expect(screenText(text)).toEqual({ status: 'clear' });
  });

  it('reports each match once, in order of position, the longest at a position', () => {
    const result = screenText('员工休息室旁卫生间');
    expect(result).toEqual({
      status: 'review',
      matches: [
        { term: '员工休息室', matched: '员工休息室', article: 'R8.1(2)', index: 0 },
        { term: '卫生间', matched: '卫生间', article: 'R8.1(3)', index: 6 },
      ],
    });
  });

  it('screens several fields and skips missing ones', () => {
    expect(screenTexts(['大厅', undefined, ''])).toEqual({ status: 'clear' });
    const result = screenTexts(['大厅', 'towards the toilet']);
    expect(result.status).toBe('review');
  });
});
