// The labels of the reason categories every viewing states (R16.3). The categories themselves come from the server
// (/auth/me reasonCategories, set in the configuration); a category without a label here shows its code.
export const REASON_TEXT = {
  incident_investigation: '事件调查 Incident investigation',
  security_patrol: '安全巡查 Security patrol',
  equipment_check: '设备检查 Equipment check',
  law_enforcement_request: '执法调取 Law-enforcement request',
  data_subject_request: '当事人查看 Data-subject request',
  training_drill: '培训演练 Training drill',
};
