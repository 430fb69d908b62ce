/* sentiment_demo.c: the demo city's public-opinion register (register.h,
 * sentiment_demo): a semester of news, posts and phone notes about its
 * schools, taken in through the real matcher and sr_ingest, and handled
 * as a working office would have (verified, dismissed with a reason,
 * linked to a case of the same school, turned into a report, answered).
 *
 * The stories are written out below, not generated: the office reads
 * them, so they read like the real thing. Their days and the office's
 * handling are spread over the semester from the seed; the last week's
 * are still new. Copies of a story (a repost, a forum thread, a video's
 * caption) must fold into it and nothing else may: a story that folds
 * where it should not, or a copy that does not fold, stops the demo (a
 * bug in these texts or in the matcher, never something to skip).
 *
 * It must never name a real person or a child (at most "一名初二学生",
 * "李某"), point a link or a feed at a real address (example.invalid and
 * the reserved .example domain only; the feeds are disabled), keep a
 * token's plain text, or begin or commit a transaction (the caller's). */
#include "register.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/audit.h"
#include "../auth/keys.h"
#include "../cases/cases.h"
#include "../core/calendar.h"
#include "../core/crypto.h"
#include "../core/i18n.h"
#include "../core/utf8.h"
#include "../notify/notify.h"

#define DEMO_SOURCE "xiaoan demo"
#define ZONE (8 * 3600L)
#define HOUR 3600
#define DAY 86400
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* The stories. */

/* Where an item came from: the two feeds, the service's push, the
 * office's hand. */
enum { S_NEWS = 'a', S_FORUM = 'b', S_PUSH = 'p', S_HAND = 'm' };

/* What the office did with a story. */
enum { H_NEW, H_VERIFY, H_DISMISS, H_LINK, H_REPORT };

/* Another outlet's copy: the first item's title with pre before it, its
 * body with post after it, after minutes later. */
struct sd_copy {
	char src;
	const char *outlet, *url, *pre, *post;
	int after;
};

struct sd_story {
	/* > 0: permille of the handled part of the semester; <= 0: hours
	 * before now (the last week's, still new) */
	int when;
	int hour;		/* the local hour of the first item */
	char src;
	const char *outlet, *url, *title, *body;
	struct sd_copy cp[4];
	int h;
	const char *reason;	/* a dismissal's */
	const char *rch, *rtext;	/* the official response's channel and words */
};

#define CP(s, o, u, p, q, a) { .src = (s), .outlet = (o), .url = (u), .pre = (p), \
	.post = (q), .after = (a) }

static const struct sd_story stories[] = {
	{ .when = 30, .hour = 10, .src = S_NEWS, .outlet = "新郑市教育体育局网站",
	  .url = "https://jyj.xinzheng.example/news/20311.html",
	  .title = "我市召开新学期学生欺凌防治工作部署会",
	  .body = "开学伊始，市教育体育局召开新学期学生欺凌防治工作部署会，各乡镇（街道）"
	  "中心校、局直各学校分管负责人参加。会议要求各校开学一个月内完成一次欺凌隐患"
	  "排查，开好防欺凌主题班会，公布举报电话，做到早发现、早干预。",
	  .h = H_DISMISS, .reason = "本局工作动态，非舆情事件。" },
	{ .when = 45, .hour = 21, .src = S_NEWS, .outlet = "轩辕新闻网",
	  .url = "https://www.xyxw.example/edu/a/10431.html",
	  .title = "新郑一高一学生在宿舍遭室友殴打 家长称孩子耳膜穿孔",
	  .body = "近日，有家长向本网反映，其孩子在新郑一高读高一，开学不久在宿舍内被同宿舍"
	  "两名学生殴打，事后经医院诊断为左耳鼓膜穿孔。家长说，孩子此前多次被室友嘲笑、"
	  "起外号，向班主任反映后情况并未好转。记者就此联系校方，学校工作人员表示已关注到"
	  "此事，正在调查核实。本网将持续关注。",
	  .cp = { CP(S_PUSH, "微博 @新郑身边事", "https://weibo.example/xzsbs/4981023",
	      "【转载】", "（来源：轩辕新闻网）", 95),
	      CP(S_FORUM, "郑韩故城论坛", "https://bbs.zhenghan.example/thread-88213-1-1.html",
	      "【扩散】", "", 310) },
	  .h = H_LINK, .rch = "官方微博",
	  .rtext = "【情况通报】近日，网传新郑一高一名学生在宿舍被殴打一事引发关注。市教育体育局"
	  "高度重视，已责成学校依规启动学生欺凌事件调查处置程序。受伤学生正在接受治疗，"
	  "学校已安排专人对接家长；涉事学生已由家长带回教育。处理结果将及时向社会公布。" },
	{ .when = 70, .hour = 17, .src = S_PUSH, .outlet = "抖音 @龙湖小镇日常",
	  .url = "https://www.douyin.example/video/7412093388",
	  .title = "放学路上几个人围着一个孩子打，实验初中的家长管管吧",
	  .body = "就在实验初中门口往南那条路，今天下午放学，四五个男生把一个小个子堵在墙角"
	  "拳打脚踢，还有人拿手机拍视频，路过的大人喊了一声才散。孩子的书包扔了一地。"
	  "#新郑 #校园霸凌",
	  .cp = { CP(S_PUSH, "微博 @轩辕故里小喇叭", "https://weibo.example/xygl/4982517",
	      "", "（视频来自网友）", 140) },
	  .h = H_LINK, .rch = "回复网友",
	  .rtext = "网友您好，实验初中已会同属地派出所核实：当日放学后校外确有学生围堵殴打一名"
	  "同学，学校已约谈涉事学生及家长，受害学生已接受心理疏导，事件正按学生欺凌处置程序"
	  "处理。学校已在放学时段增派教师到校门外路段值守。感谢您的关注。" },
	{ .when = 95, .hour = 15, .src = S_HAND, .outlet = "12345热线转办",
	  .title = "12345热线转办：家长反映孩子在新村镇中心校被同学索要钱财",
	  .body = "来电人自称学生家长，反映其孩子在新郑市新村镇中心小学读五年级，近一个月来"
	  "多次被同班两名同学以“不给钱就打你”相威胁索要零花钱，前后约两百元，孩子现在"
	  "不敢上学。来电人要求学校和教育部门尽快处理。（热线工单转办，来电人信息已隐去）",
	  .h = H_LINK, .rch = "12345热线回复",
	  .rtext = "已于当日转学校处置。学校约谈了涉事学生家长，钱款已全部退还，受害学生由班主任"
	  "每日关注，事件已按学生欺凌处置程序处理。已电话回复来电人，来电人表示认可。" },
	{ .when = 120, .hour = 11, .src = S_NEWS, .outlet = "新郑教育观察",
	  .url = "https://www.xzjygc.example/article/5520.html",
	  .title = "初一女生被全班孤立、起绰号 家长：孩子已经不愿上学",
	  .body = "“每天回家都哭，说没人跟她说话，同学还给她起绰号。”家住辛店镇的王女士说，"
	  "女儿今年在辛店镇第一初中读初一，开学一个多月一直被班里几个女生带头排挤，"
	  "分组活动没人要她，课桌上被写了难听的话。王女士说，她找过班主任，老师只说"
	  "“小孩子闹着玩”。",
	  .h = H_VERIFY, .rch = "新闻发布",
	  .rtext = "市教育体育局回应：经核实，反映情况基本属实。辛店镇第一初级中学已召开专题班会，"
	  "对带头排挤同学的学生进行批评教育并告知家长，安排心理老师对受害学生持续辅导，"
	  "并对全校开展一次欺凌隐患排查。对班主任处置不及时的问题，学校已作出通报批评。" },
	{ .when = 140, .hour = 20, .src = S_PUSH, .outlet = "微博 @中原热点速递",
	  .url = "https://weibo.example/zyrdsd/4986650",
	  .title = "网传新郑二高学生被逼下跪视频",
	  .body = "网传视频显示，一名穿校服的男生被几名学生围住，被逼下跪并遭扇耳光，"
	  "发布者称事发新郑二高。视频已在多个群里流传，家长们纷纷询问是否属实。",
	  .cp = { CP(S_PUSH, "抖音 @新郑那些事儿", "https://www.douyin.example/video/7413360014",
	      "【扩散】", "", 60),
	      CP(S_FORUM, "郑韩故城论坛", "https://bbs.zhenghan.example/thread-88630-1-1.html",
	      "[转]", "", 200),
	      CP(S_PUSH, "微博 @郑州生活圈子", "https://weibo.example/zzshqz/4986702",
	      "【转载】", "（来源：网络）", 380) },
	  .h = H_DISMISS, .reason = "经核实，视频拍摄于外省，与我市学校无关。新郑二高已在家长群说明情况。",
	  .rch = "官方微博",
	  .rtext = "【辟谣】近日网传“新郑二高学生被逼下跪”视频，经市教育体育局会同公安机关核查，"
	  "该视频拍摄于外省某地，与我市学校无关。请广大网友不信谣、不传谣，"
	  "如发现学生欺凌线索，请拨打举报电话62666010。" },
	{ .when = 165, .hour = 22, .src = S_FORUM, .outlet = "郑韩故城论坛",
	  .url = "https://bbs.zhenghan.example/thread-88901-1-1.html",
	  .title = "新郑华夏高中宿舍有人收“保护费”？有知道的家长吗",
	  .body = "有没有新郑华夏高中的家长，孩子周末回来说宿舍楼里有高二的每个月找高一新生要"
	  "“保护费”，二三十块，不给就把被子扔进厕所。孩子不让我跟老师说，怕被报复。"
	  "学校宿管到底管不管？",
	  .h = H_LINK, .rch = "回复网友",
	  .rtext = "网友您好，经华夏高级中学核查，确有高二两名学生向高一学生索要财物，学校已依规"
	  "处理并通知双方家长，钱物已退还。学校已加强宿舍夜间巡查，教育局已督促学校整改。"
	  "如仍有类似情况，欢迎直接向学校或我局反映。" },
	{ .when = 190, .hour = 13, .src = S_PUSH, .outlet = "微博 @轩辕故里小喇叭",
	  .url = "https://weibo.example/xygl/4988131",
	  .title = "职教中心教室里扇同学耳光，还笑着让人拍",
	  .body = "新郑市职业教育中心，有学生在教室里连扇同学十几个耳光，旁边的人笑着拍视频，"
	  "被打的学生一直低着头不敢还手。视频是今天中午开始在学生群里传的。",
	  .cp = { CP(S_PUSH, "抖音 @新郑那些事儿", "https://www.douyin.example/video/7415120047",
	      "【视频】", "", 75) },
	  .h = H_VERIFY, .rch = "官方微博",
	  .rtext = "【情况通报】关于网传新郑市职业教育中心学生在教室内扇打同学的视频，经核查，"
	  "事件发生在该校一年级某班，学校已依规对涉事学生作出处分，并对拍摄、传播视频的"
	  "学生进行批评教育；受害学生已由心理老师跟进辅导。感谢社会各界监督。" },
	{ .when = 210, .hour = 19, .src = S_HAND, .outlet = "家长微信群（截图转述）",
	  .title = "家长群反映：求实初中有学生偷拍同学如厕视频并在班级群传播",
	  .body = "办公室接到一位家长转来的微信群截图，群里有家长称，新郑求实初中初一某班有学生"
	  "在厕所偷拍同学，把视频发到了学生自己建的群里，还配了侮辱性的文字，被拍的孩子"
	  "知道后躲在家里不肯出门。截图中未显示学生姓名。",
	  .h = H_LINK },
	{ .when = 235, .hour = 9, .src = S_NEWS, .outlet = "豫中教育资讯网",
	  .url = "https://www.zyjyw.example/news/2026/77140.shtml",
	  .title = "新郑市第三初级中学一学生在厕所被几名同学殴打",
	  .body = "据网友反映，新郑市第三初级中学一名初二学生课间在厕所被同年级四名学生殴打，"
	  "头部、背部多处淤青。家长称，此前孩子已多次被这几名学生索要零花钱。当地教育"
	  "部门表示已介入调查。",
	  .cp = { CP(S_PUSH, "微博 @新郑身边事", "https://weibo.example/xzsbs/4990215",
	      "【转载】", "（来源：豫中教育资讯网）", 120),
	      CP(S_FORUM, "郑韩故城论坛", "https://bbs.zhenghan.example/thread-89377-1-1.html",
	      "", "（转自豫中教育资讯网）", 260) },
	  .h = H_LINK, .rch = "官方微博",
	  .rtext = "【情况通报】关于网友反映新郑市第三初级中学学生被殴打一事，市教育体育局已督促"
	  "学校启动欺凌事件处置程序，受伤学生经检查无大碍，已返校上课；涉事学生已被批评"
	  "教育并由家长赔礼道歉，学校将视认定结果依规作出处分。" },
	{ .when = 260, .hour = 23, .src = S_PUSH, .outlet = "百度贴吧 新郑吧",
	  .url = "https://tieba.example/p/9134410287",
	  .title = "郭店镇第一初中有没有人管管？我弟天天被人欺负",
	  .body = "我弟在郭店镇第一初中上初二，天天被班上几个人欺负，书被扔进垃圾桶，还撕他"
	  "作业，昨天回家胳膊上一片青。跟班主任说了，老师就让他们握手言和。真的没人管吗？",
	  .h = H_VERIFY, .rch = "回复网友",
	  .rtext = "您好，已转郭店镇第一初级中学核实处理。学校已找相关学生谈话并通知家长，"
	  "对欺负同学的学生进行了批评教育，班主任每天关注您弟弟的情况。学校德育处电话已"
	  "公布在校门口，如再有类似情况请直接反映。" },
	{ .when = 290, .hour = 18, .src = S_PUSH, .outlet = "抖音 @河南身边事",
	  .url = "https://www.douyin.example/video/7418801930",
	  .title = "新郑某中学女生被扇巴掌，视频里还有人在笑",
	  .body = "视频里一个女生被另外几个女生轮流扇巴掌，揪头发，旁边有人在笑。发布者只说是"
	  "“新郑某中学”，没说是哪个学校。",
	  .h = H_DISMISS,
	  .reason = "视频无法确认发生地点，经全市各中学排查，未发现相关事件；已请网信部门协助溯源，继续关注。" },
	{ .when = 320, .hour = 16, .src = S_NEWS, .outlet = "新郑教育观察",
	  .url = "https://www.xzjygc.example/article/5611.html",
	  .title = "两名初中生因绰号起冲突 一人手臂骨折",
	  .body = "和庄镇第一初中两名初三学生因一方给另一方起绰号发生口角，随后在操场扭打，"
	  "一名学生倒地时手臂骨折。目前受伤学生已手术，两家正在协商。",
	  .h = H_DISMISS,
	  .reason = "经核实，系两名学生因琐事互殴，双方均有过错，不属于学生欺凌；学校已按校规处理，并组织双方家长调解。" },
	{ .when = 345, .hour = 21, .src = S_PUSH, .outlet = "微博 @新郑身边事",
	  .url = "https://weibo.example/xzsbs/4995550",
	  .title = "新郑华英外国语学校一女生遭网暴，照片被P图传遍年级群",
	  .body = "新郑华英外国语学校初二一名女生的照片被同学P成丑图，配上侮辱性的话传到年级群里，"
	  "还有人建了个群专门骂她。家长说孩子这几天晚上睡不着觉。",
	  .h = H_VERIFY, .rch = "官方微博",
	  .rtext = "【情况通报】关于网传新郑市华英外国语学校学生遭网络暴力一事，学校已核实情况，"
	  "责令相关学生删除图片、解散群聊并当面道歉，对带头学生给予处分；学校已安排心理老师"
	  "对受害学生进行辅导，并在全校开展网络文明教育。" },
	{ .when = 370, .hour = 10, .src = S_HAND, .outlet = "家长来电",
	  .title = "家长来电：孩子在龙湖镇中心校被高年级学生勒索",
	  .body = "一位家长打电话到办公室，说孩子在龙湖镇中心校读四年级，最近总说钱丢了，追问"
	  "后才说是六年级几个学生在放学路上拦他要钱，说不给就在学校打他，已经有两三个星期"
	  "了。家长希望学校不要声张，先把事情处理好。",
	  .h = H_LINK, .rch = "电话回复家长",
	  .rtext = "已于次日电话回复家长：学校已查明涉事的三名六年级学生，钱款已退还，涉事学生"
	  "家长已到校；学校在放学时段安排教师护送低年级学生出校门，事件已按程序处理。" },
	{ .when = 395, .hour = 20, .src = S_FORUM, .outlet = "郑韩故城论坛",
	  .url = "https://bbs.zhenghan.example/thread-90455-1-1.html",
	  .title = "实验小学有孩子被同学锁在厕所里，班主任说是开玩笑？",
	  .body = "我家孩子在新郑实验小学三年级，今天哭着回来，说被班上两个男生锁在厕所隔间里，"
	  "一节课都没出来，老师都没发现。去找班主任，班主任说就是孩子们开玩笑。被锁在厕所"
	  "一节课是开玩笑吗？这算不算欺凌？",
	  .h = H_VERIFY, .rch = "回复网友",
	  .rtext = "家长您好，新郑市实验小学已核实此事，学校认为此事不能以“开玩笑”了之，已对涉事"
	  "学生进行批评教育并与家长沟通，班主任已向您当面致歉。学校将加强课间巡查，"
	  "并在各班开展防欺凌主题班会。" },
	{ .when = 420, .hour = 17, .src = S_PUSH, .outlet = "抖音 @新郑那些事儿",
	  .url = "https://www.douyin.example/video/7421150936",
	  .title = "新郑市第二初级中学门口，五六个人围殴一个学生",
	  .body = "今天下午放学，新郑市第二初级中学门口东边小巷里五六个学生围殴一个男生，"
	  "有人拿书包砸头，一直打到有家长过来才跑。孩子的眼镜都踩碎了。",
	  .cp = { CP(S_PUSH, "微博 @轩辕故里小喇叭", "https://weibo.example/xygl/5001183",
	      "【转载】", "", 90),
	      CP(S_FORUM, "郑韩故城论坛", "https://bbs.zhenghan.example/thread-90810-1-1.html",
	      "【视频】", "（转自抖音）", 240) },
	  .h = H_LINK, .rch = "官方微博",
	  .rtext = "【情况通报】关于网传新郑市第二初级中学门口学生被围殴一事，经核查，涉事学生"
	  "均为该校学生，公安机关已介入，受伤学生已就医；学校已启动学生欺凌事件处置程序，"
	  "并联合派出所加强校园周边放学时段巡逻。" },
	{ .when = 450, .hour = 12, .src = S_NEWS, .outlet = "轩辕新闻网",
	  .url = "https://www.xyxw.example/edu/a/10877.html",
	  .title = "初中生长期被同学辱骂“没爹的孩子” 家长报警",
	  .body = "薛店镇第二初级中学一名初一学生，因父亲早逝，被同班几名同学长期辱骂为"
	  "“没爹的孩子”，还被推搡、恐吓。家长多次与学校沟通无果后报警。",
	  .h = H_VERIFY, .rch = "新闻发布",
	  .rtext = "市教育体育局回应：薛店镇第二初级中学已对此事作出学生欺凌认定，涉事学生已"
	  "被依规处理并向受害学生道歉；局里已约谈该校校长，要求学校对处置迟缓的问题深刻"
	  "反思，并对全镇学校开展专项排查。" },
	{ .when = 475, .hour = 22, .src = S_PUSH, .outlet = "微博 @郑州生活圈子",
	  .url = "https://weibo.example/zzshqz/5004421",
	  .title = "轩辕职业技术学校宿舍霸凌？学生被逼下跪道歉",
	  .body = "有网友爆料，新郑市轩辕职业技术学校男生宿舍，几个高年级学生半夜把一名新生"
	  "叫起来，逼他下跪道歉，还用脚踹他，说是“立规矩”。网友称有视频。",
	  .cp = { CP(S_FORUM, "郑韩故城论坛", "https://bbs.zhenghan.example/thread-91134-1-1.html",
	      "[转]", "", 180) },
	  .h = H_VERIFY, .rch = "官方微博",
	  .rtext = "【情况通报】关于网传新郑市轩辕职业技术学校宿舍内学生被逼下跪一事，经核查，"
	  "情况属实。学校已对涉事的三名学生作出留校察看处分，对宿舍管理人员失职问题进行"
	  "问责，并已调整宿舍管理办法，实行夜间双人值守。" },
	{ .when = 500, .hour = 21, .src = S_FORUM, .outlet = "郑韩故城论坛",
	  .url = "https://bbs.zhenghan.example/thread-91402-1-1.html",
	  .title = "弘毅初中孩子被排挤，老师说“自己找原因”",
	  .body = "孩子在新郑弘毅初中，转学过来半学期了，一直被班上同学排挤，吃饭没人和她坐一起，"
	  "体育课分组没人要，有人在背后起外号。跟老师说，老师让孩子“自己找找原因”。"
	  "民办学校就可以不管吗？",
	  .h = H_VERIFY, .rch = "回复网友",
	  .rtext = "网友您好，已转新郑市弘毅初级中学核实处理。学校已与您沟通，班主任已调整座位和"
	  "分组，并在班上开展了主题班会；学校已对教师不当言论进行批评。民办学校同样"
	  "纳入我局学生欺凌防治督导范围。" },
	{ .when = 530, .hour = 14, .src = S_HAND, .outlet = "12345热线转办",
	  .title = "12345热线转办：学生被同学用圆规扎伤",
	  .body = "来电人反映，其孙子在孟庄镇第一初中读初一，经常被后座同学欺负，多次被用圆规扎后背，"
	  "今天回家发现背上有好几处伤口。来电人称孩子以前就跟老师说过，老师没有管。"
	  "要求学校严肃处理。（热线工单转办）",
	  .h = H_VERIFY, .rch = "12345热线回复",
	  .rtext = "经学校核实，情况属实。学校已调换座位，对涉事学生进行批评教育并通知其家长"
	  "到校，涉事学生家长已带孩子就医并赔礼道歉；对班主任未及时处理的问题，学校已"
	  "进行约谈。已回复来电人。" },
	{ .when = 560, .hour = 23, .src = S_PUSH, .outlet = "微博 @中原热点速递",
	  .url = "https://weibo.example/zyrdsd/5009836",
	  .title = "新郑一高学生跳楼？网传系长期遭霸凌",
	  .body = "今晚有多个群在传，新郑一高一名学生跳楼，说是长期被同学欺负、被打。"
	  "有没有知情人？",
	  .cp = { CP(S_PUSH, "抖音 @河南身边事", "https://www.douyin.example/video/7425004128",
	      "【扩散】", "", 50),
	      CP(S_FORUM, "郑韩故城论坛", "https://bbs.zhenghan.example/thread-91877-1-1.html",
	      "", "（网传，未证实）", 150) },
	  .h = H_DISMISS,
	  .reason = "经核实，网传内容不实：学校当日未发生学生坠楼事件，也未接到相关欺凌举报。已报网信部门处置。",
	  .rch = "官方微博",
	  .rtext = "【辟谣】近日网传“新郑一高学生跳楼系遭霸凌”，经市教育体育局、公安机关核查，"
	  "该校当日未发生学生坠楼事件，网传内容不实。造谣者已被公安机关依法处理。"
	  "请广大网友不信谣、不传谣。" },
	{ .when = 590, .hour = 16, .src = S_NEWS, .outlet = "豫中教育资讯网",
	  .url = "https://www.zyjyw.example/news/2026/80562.shtml",
	  .title = "乡镇学校高年级学生强迫低年级学生下跪 家长质疑学校监管",
	  .body = "新郑市城关乡中心学校一名三年级学生的家长反映，孩子在学校操场被几名六年级"
	  "学生拦住，被逼下跪、喊“大哥”，还被要钱。家长认为学校课间监管存在漏洞。",
	  .h = H_VERIFY },
	{ .when = 620, .hour = 17, .src = S_PUSH, .outlet = "抖音 @新郑那些事儿",
	  .url = "https://www.douyin.example/video/7427331190",
	  .title = "新烟街道初中校门口打人，保安就在旁边看着",
	  .body = "新烟街道初中放学时间，校门口几个学生把一个男生按在地上打，"
	  "保安在旁边看着没管。有网友说被打的学生之前就被他们欺负过。",
	  .cp = { CP(S_PUSH, "微博 @轩辕故里小喇叭", "https://weibo.example/xygl/5013390",
	      "", "（网友投稿）", 100) },
	  .h = H_VERIFY, .rch = "官方微博",
	  .rtext = "【情况通报】关于网传新烟街道初级中学校门口学生被打一事，经核查，涉事学生已被"
	  "依规处理，受伤学生无大碍。学校保安未及时制止，已被调离岗位；学校已加强放学时段"
	  "校门口值守。" },
	{ .when = 650, .hour = 21, .src = S_FORUM, .outlet = "郑韩故城论坛",
	  .url = "https://bbs.zhenghan.example/thread-92410-1-1.html",
	  .title = "龙湖双语学校寄宿，孩子被室友冷暴力怎么办",
	  .body = "孩子在新郑龙湖双语学校住校，五年级。宿舍几个孩子商量好了不跟她说话，她的东西"
	  "被藏起来，床上被泼水，她说已经一个多月了。这种冷暴力学校管不管？",
	  .h = H_VERIFY, .rch = "回复网友",
	  .rtext = "家长您好，新郑市龙湖双语学校已核实情况，已调整宿舍安排，生活老师和班主任"
	  "已分别与相关学生谈话并告知家长，学校心理老师将每周与孩子交流。感谢您的反映。" },
	{ .when = 680, .hour = 20, .src = S_PUSH, .outlet = "微博 @新郑身边事",
	  .url = "https://weibo.example/xzsbs/5017742",
	  .title = "新郑三高一男生被几个人拖进厕所殴打",
	  .body = "有网友称，新郑三高一名高一男生晚自习课间被几个同学拖进厕所殴打，"
	  "手机也被抢走。被打学生家长已到学校，要求调监控。",
	  .cp = { CP(S_PUSH, "抖音 @河南身边事", "https://www.douyin.example/video/7429190845",
	      "【转载】", "", 70),
	      CP(S_FORUM, "郑韩故城论坛", "https://bbs.zhenghan.example/thread-92788-1-1.html",
	      "", "（转自微博）", 200) },
	  .h = H_LINK, .rch = "官方微博",
	  .rtext = "【情况通报】关于网传新郑三高学生在厕所被殴打一事，学校已调取监控查明情况，"
	  "涉事学生已停课反省，事件已进入学生欺凌认定程序；被抢手机已归还。处理结果将及时"
	  "公布。" },
	{ .when = 710, .hour = 12, .src = S_HAND, .outlet = "家长微信群（截图转述）",
	  .title = "家长群截图：初二学生被同学逼着喝脏水",
	  .body = "一位家长把班级家长群的截图发给办公室：梨河镇第一初中初二一名学生被同宿舍"
	  "同学逼着喝拖把水，还被拍了视频，说要“发到网上让大家看看”。截图里有家长说"
	  "孩子已经两天没吃饭，问学校管不管这种霸凌。",
	  .h = H_VERIFY, .rch = "回复网友",
	  .rtext = "已转梨河镇第一初级中学核实：情况属实，学校已启动学生欺凌处置程序，视频已删除，"
	  "涉事学生家长已到校；受害学生由心理老师跟进，家长已认可学校的处理。" },
	{ .when = 740, .hour = 15, .src = S_NEWS, .outlet = "新郑教育观察",
	  .url = "https://www.xzjygc.example/article/5790.html",
	  .title = "一小学生作业本屡被撕毁 家长：孩子被几个同学针对",
	  .body = "观音寺镇中心小学一名四年级学生的家长说，孩子的作业本三天两头被同学撕毁，"
	  "文具被扔，同学还给他起绰号。家长找到学校后，学校表示会调查。",
	  .h = H_VERIFY },
	{ .when = 770, .hour = 22, .src = S_PUSH, .outlet = "微博 @郑州生活圈子",
	  .url = "https://weibo.example/zzshqz/5021630",
	  .title = "网传实验初中一女生被“开盒”，家庭住址被贴到群里",
	  .body = "网友称，新郑实验初中一名女生因为和同学闹矛盾，被人“开盒”，家庭住址、父母电话被"
	  "贴到一个几百人的群里，还有人扬言去她家门口堵她。",
	  .h = H_VERIFY, .rch = "官方微博",
	  .rtext = "【情况通报】关于网传新郑市实验初级中学学生个人信息被公开一事，学校已会同公安"
	  "机关调查，相关信息已删除，发布信息的学生已被依规处理；学校已对全校开展个人信息"
	  "保护和网络文明教育。" },
	{ .when = 800, .hour = 19, .src = S_PUSH, .outlet = "抖音 @新郑那些事儿",
	  .url = "https://www.douyin.example/video/7431407726",
	  .title = "新郑实验小学门口打架视频，太吓人了",
	  .body = "新郑实验小学门口，两个学生扭打在一起，一个学生被打倒在地，旁边围了一圈人。"
	  "视频发布者说是今天下午。",
	  .h = H_DISMISS,
	  .reason = "经核实，视频为2019年外地旧视频，近期被重新剪辑发布，与我市学校无关。",
	  .rch = "回复网友",
	  .rtext = "网友您好，经核查，该视频为外地旧视频，近期被重新剪辑发布，与新郑市实验小学"
	  "无关，请勿转发。" },
	{ .when = 830, .hour = 21, .src = S_FORUM, .outlet = "郑韩故城论坛",
	  .url = "https://bbs.zhenghan.example/thread-93355-1-1.html",
	  .title = "新郑华夏高中高一新生被逼着给学长买烟买饭",
	  .body = "华夏高中高一有学生被高二的叫去“跑腿”，天天买烟买饭还不给钱，不去就被堵在"
	  "宿舍里打。孩子说班里好几个同学都这样，不敢跟老师说。这不就是霸凌吗？",
	  .h = H_REPORT },
	{ .when = 870, .hour = 18, .src = S_PUSH, .outlet = "微博 @轩辕故里小喇叭",
	  .url = "https://weibo.example/xygl/5026684",
	  .title = "郭店镇第一初中学生被扇耳光视频流出",
	  .body = "一段视频显示，郭店镇第一初中一间教室里，一名男生被同学连续扇耳光，"
	  "被打学生一直在躲。视频下有人留言说这个孩子经常被欺负。",
	  .cp = { CP(S_PUSH, "抖音 @河南身边事", "https://www.douyin.example/video/7433320912",
	      "【扩散】", "", 110) },
	  .h = H_REPORT, .rch = "官方微博",
	  .rtext = "【情况通报】关于网传郭店镇第一初级中学学生被扇耳光的视频，市教育体育局已将"
	  "线索转学校依程序处理，并派员到校督办。学校已约谈涉事学生家长，受害学生情绪"
	  "稳定。" },
	{ .when = 910, .hour = 11, .src = S_HAND, .outlet = "12345热线转办",
	  .title = "12345热线转办：孩子被同学恐吓“放学别走”",
	  .body = "来电人反映，孩子在辛店镇中心学校读六年级，近来多次被同班同学恐吓"
	  "“放学别走”，还被推倒在地。孩子害怕，早上不愿去学校。来电人希望学校重视。"
	  "（热线工单转办）",
	  .h = H_VERIFY, .rch = "12345热线回复",
	  .rtext = "经辛店镇中心学校核实，已对涉事学生进行批评教育并通知家长，班主任与孩子谈心，"
	  "放学时段安排教师护送。已电话回复来电人。" },
	{ .when = 950, .hour = 16, .src = S_NEWS, .outlet = "轩辕新闻网",
	  .url = "https://www.xyxw.example/edu/a/11305.html",
	  .title = "职教中心实习生称遭老生殴打 学校：正在调查",
	  .body = "新郑市职业教育中心一名学生反映，在校内实训车间实习期间，被两名高年级学生"
	  "以“不懂规矩”为由殴打，脸部受伤。学校表示已成立调查组。",
	  .cp = { CP(S_PUSH, "微博 @新郑身边事", "https://weibo.example/xzsbs/5030017",
	      "【转载】", "（来源：轩辕新闻网）", 130) },
	  .h = H_REPORT },

	/* Not ours: prevention, elsewhere, other news of our schools. */
	{ .when = 60, .hour = 9, .src = S_NEWS, .outlet = "新郑教育观察",
	  .url = "https://www.xzjygc.example/article/5488.html",
	  .title = "新郑二高开展“护苗”防欺凌法治讲座",
	  .body = "近日，新郑二高邀请市人民检察院检察官走进校园，为高一新生开展防欺凌法治"
	  "讲座。检察官结合典型案例，讲解了学生欺凌的危害和法律后果，并教同学们遇到欺凌"
	  "时如何求助。",
	  .h = H_DISMISS, .reason = "防欺凌宣传报道，非舆情事件。" },
	{ .when = 110, .hour = 20, .src = S_PUSH, .outlet = "微博 @中原热点速递",
	  .url = "https://weibo.example/zyrdsd/4985512",
	  .title = "郑州一初中生遭同学围殴 警方已介入",
	  .body = "郑州市区一所初中的学生在校外被同学围殴，视频在网上流传。当地警方通报称，"
	  "已对涉事学生依法处理。",
	  .h = H_DISMISS, .reason = "经核实，事件发生在郑州市区，与我市学校无关。" },
	{ .when = 180, .hour = 10, .src = S_NEWS, .outlet = "豫中教育资讯网",
	  .url = "https://www.zyjyw.example/news/2026/76002.shtml",
	  .title = "外省某县通报一起中学生欺凌事件：涉事学生被依法处理",
	  .body = "据外省某县教育局通报，该县一所中学发生一起学生欺凌事件，涉事的三名学生已被"
	  "依法依规处理，学校校长被免职。" },
	{ .when = 230, .hour = 15, .src = S_FORUM, .outlet = "郑韩故城论坛",
	  .url = "https://bbs.zhenghan.example/thread-89211-1-1.html",
	  .title = "实验小学运动会，孩子拿了跳绳第一名",
	  .body = "今天实验小学开运动会，天气特别好，孩子拿了一年级跳绳第一名，回家高兴得"
	  "不得了。学校组织得挺好，家长也能进去看。" },
	{ .when = 300, .hour = 8, .src = S_NEWS, .outlet = "轩辕新闻网",
	  .url = "https://www.xyxw.example/local/a/10702.html",
	  .title = "龙湖镇：上下学高峰交警护学岗全覆盖",
	  .body = "本学期起，龙湖镇辖区各学校门口在上下学高峰时段均设置了交警护学岗，"
	  "引导车辆有序通行，保障学生出行安全。" },
	{ .when = 360, .hour = 11, .src = S_HAND, .outlet = "家长来电",
	  .title = "家长来电咨询：发现孩子被欺负应该找谁",
	  .body = "一位家长打电话询问，如果孩子在学校被欺负，应该先找班主任还是直接找教育局，"
	  "有没有专门的举报电话。家长表示目前孩子没有遇到这种情况，只是想提前了解。",
	  .h = H_DISMISS, .reason = "咨询类来电，已告知学校和我局的举报渠道，无具体事件。" },
	{ .when = 410, .hour = 9, .src = S_NEWS, .outlet = "新郑市教育体育局网站",
	  .url = "https://jyj.xinzheng.example/news/20588.html",
	  .title = "新郑一高学子在全省中学生物理竞赛中获佳绩",
	  .body = "在日前揭晓的全省中学生物理竞赛中，新郑一高共有十二名学生获奖，其中一等奖"
	  "三名。学校表示将继续做好学科竞赛辅导工作。" },
	{ .when = 440, .hour = 10, .src = S_NEWS, .outlet = "豫中教育资讯网",
	  .url = "https://www.zyjyw.example/news/2026/79215.shtml",
	  .title = "全省部署学生欺凌专项治理 要求各地建立长效机制",
	  .body = "省教育厅近日印发通知，部署开展中小学生欺凌专项治理，要求各地完善预防和"
	  "处置机制，做好宣传教育，畅通举报渠道。" },
	{ .when = 515, .hour = 21, .src = S_PUSH, .outlet = "抖音 @影视剧场",
	  .url = "https://www.douyin.example/video/7424018826",
	  .title = "这部校园霸凌电影看哭了，每个家长都该看看",
	  .body = "一部讲校园霸凌的电影，主角在学校被欺负、被孤立，最后勇敢站出来。"
	  "看完之后和孩子讨论了很久。#电影推荐" },
	{ .when = 545, .hour = 16, .src = S_PUSH, .outlet = "微博 @中原热点速递",
	  .url = "https://weibo.example/zyrdsd/5008127",
	  .title = "外地一城关镇中学生打架视频引关注",
	  .body = "外省一县城关镇中学生放学后在街头打架，视频在网上流传。当地教育部门表示"
	  "已介入调查。",
	  .h = H_DISMISS, .reason = "经核实，事件发生在外省，与我市学校无关。" },
	{ .when = 605, .hour = 12, .src = S_FORUM, .outlet = "郑韩故城论坛",
	  .url = "https://bbs.zhenghan.example/thread-92105-1-1.html",
	  .title = "新郑三高食堂饭菜涨价了？",
	  .body = "孩子说新郑三高食堂这学期几个窗口的饭菜都涨了一块钱，分量还少了。"
	  "有没有家长了解情况的？" },
	{ .when = 665, .hour = 9, .src = S_NEWS, .outlet = "轩辕新闻网",
	  .url = "https://www.xyxw.example/edu/a/11092.html",
	  .title = "学校机房中了勒索病毒？技术人员提醒及时打补丁",
	  .body = "近期有学校机房电脑中了勒索病毒，文件被加密。市教育信息化中心提醒各校及时"
	  "更新系统补丁、备份重要数据。" },
	{ .when = 725, .hour = 18, .src = S_NEWS, .outlet = "新郑教育观察",
	  .url = "https://www.xzjygc.example/article/5752.html",
	  .title = "初中生见义勇为 勇救落水儿童",
	  .body = "周末，新郑市第四初级中学一名初二学生在河边散步时，发现一名儿童落水，"
	  "立即跳入水中将其救起。学校对该生见义勇为的行为进行了表彰。" },
	{ .when = 760, .hour = 20, .src = S_PUSH, .outlet = "微博 @郑州生活圈子",
	  .url = "https://weibo.example/zzshqz/5020344",
	  .title = "隔壁县十二中有学生被欺负？家长发帖求助",
	  .body = "一位家长在网上发帖，称孩子在隔壁县的十二中被同学欺负，被打了好几次。"
	  "帖子引起不少网友关注。",
	  .h = H_DISMISS, .reason = "经核实，涉事学校为外县学校，非我市管辖。" },
	{ .when = 890, .hour = 10, .src = S_NEWS, .outlet = "新郑市教育体育局网站",
	  .url = "https://jyj.xinzheng.example/news/20811.html",
	  .title = "我市举办中小学生“学法护苗”知识竞赛",
	  .body = "市教育体育局联合市司法局举办中小学生“学法护苗”知识竞赛，全市三十二支代表队"
	  "参赛，竞赛内容涵盖未成年人保护法、预防学生欺凌等。" },

	/* The last week's: not handled yet. */
	{ .when = -150, .hour = 0, .src = S_PUSH, .outlet = "微博 @新郑身边事",
	  .url = "https://weibo.example/xzsbs/5034521",
	  .title = "新郑二高课间有学生被围殴？网友称已报警",
	  .body = "网友爆料，新郑二高一名高一学生课间在教学楼后面被五六个学生围殴，"
	  "脸上都是血，有同学已经报警。",
	  .cp = { CP(S_FORUM, "郑韩故城论坛", "https://bbs.zhenghan.example/thread-94120-1-1.html",
	      "[转]", "", 160) } },
	{ .when = -100, .hour = 0, .src = S_FORUM, .outlet = "郑韩故城论坛",
	  .url = "https://bbs.zhenghan.example/thread-94377-1-1.html",
	  .title = "和庄镇中心校有孩子被逼着交“保护费”",
	  .body = "听邻居说，和庄镇中心校有几个六年级学生，专门找低年级孩子要“保护费”，"
	  "一次五块十块，不给就打。学校知道吗？" },
	{ .when = -60, .hour = 0, .src = S_NEWS, .outlet = "新郑教育观察",
	  .url = "https://www.xzjygc.example/article/5903.html",
	  .title = "实验初中举行“向欺凌说不”主题班会观摩活动",
	  .body = "实验初中日前举行“向欺凌说不”主题班会观摩活动，各年级班主任围绕如何识别"
	  "和预防欺凌开展讨论，并邀请心理老师作心理健康讲座。" },
	{ .when = -30, .hour = 0, .src = S_PUSH, .outlet = "抖音 @新郑那些事儿",
	  .url = "https://www.douyin.example/video/7436602215",
	  .title = "新郑一高宿舍里几个人轮流打一个学生，视频都传开了",
	  .body = "新郑一高男生宿舍，几个学生轮流扇一名同学耳光、用脚踹，被打的学生缩在床角，"
	  "拍视频的人还在笑。视频今天下午开始在学生群里流传。",
	  .cp = { CP(S_PUSH, "微博 @轩辕故里小喇叭", "https://weibo.example/xygl/5036990",
	      "【转载】", "", 80),
	      CP(S_FORUM, "郑韩故城论坛", "https://bbs.zhenghan.example/thread-94652-1-1.html",
	      "", "（转自抖音，视频已被删）", 190) } },
	{ .when = -20, .hour = 0, .src = S_HAND, .outlet = "12345热线转办",
	  .title = "12345热线转办：初一学生被高年级学生勒索零花钱",
	  .body = "来电人反映，其孩子在新郑实验初中读初一，近两周每天放学都被两名初三学生拦在"
	  "车棚，索要零花钱，不给就打，孩子已经不敢骑车上学。来电人要求学校尽快处理。"
	  "（热线工单转办）" },
	{ .when = -6, .hour = 0, .src = S_FORUM, .outlet = "郑韩故城论坛",
	  .url = "https://bbs.zhenghan.example/thread-94910-1-1.html",
	  .title = "求实初中有学生被同学起外号、推搡，家长该怎么办",
	  .body = "孩子在新郑求实初中读初二，最近说班上几个同学老给他起外号，课间推他、"
	  "把他的书扔到地上。想问问其他家长，这种情况直接找学校还是找教育局？" },
};

/* ------------------------------------------------------------------ */
/* The work. */

struct sd_ctx {
	db *d;
	const uint8_t *akey;
	struct rng_s {
		uint64_t s;
	} r;
	int64_t office_unit, staff[2], director;
	int64_t feed[2], token, trial;
	int64_t story[COUNT(stories)];	/* the story each landed in */
	int64_t school[COUNT(stories)];	/* the school the matcher named */
	int64_t first[COUNT(stories)];	/* when its first item came */
	int64_t published[COUNT(stories)];
	char *err;
	size_t errlen;
};

/* splitmix64. */
static uint64_t
rnd(struct sd_ctx *g)
{
	uint64_t z = (g->r.s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* 0..n-1. */
static int64_t
rnd_below(struct sd_ctx *g, int64_t n)
{
	return n <= 0 ? 0 : (int64_t)(rnd(g) % (uint64_t)n);
}

/* One audit record of the office (by 0: the system, or a service). */
static xa_err
audit(struct sd_ctx *g, int64_t by, const char *action, const char *type, int64_t id,
    const char *fields, int64_t at)
{
	audit_entry ae = { by, by != 0 ? g->office_unit : 0, action, type, id, fields, "",
		DEMO_SOURCE };
	return audit_append(g->d, g->akey, &ae, at);
}

/* Fails with a sentence naming the story. */
static xa_err
fail(struct sd_ctx *g, size_t s, const char *what, xa_err e)
{
	char title[64];
	utf8_copy(title, sizeof title, stories[s].title);
	snprintf(g->err, g->errlen, "sentiment demo: story %zu (%s): %s: %s", s, title, what,
	    xa_strerror(e));
	return e == XA_OK ? XA_EINVAL : e;
}

/* The office's accounts: its unit, its two staff and its director. */
static xa_err
load_office(struct sd_ctx *g)
{
	db_stmt *st = NULL;
	int rc, n = 0;
	xa_err e = db_prepare(g->d, "SELECT a.id, a.unit_id, r.role FROM accounts a JOIN"
	    " account_roles r ON r.account_id = a.id WHERE r.role IN ('office_staff',"
	    " 'office_director') AND a.disabled = 0 ORDER BY a.id", &st);
	if (e != XA_OK)
		return e;
	while ((rc = db_step(st)) == 1) {
		if (strcmp(db_col_text(st, 2), "office_director") == 0) {
			if (g->director == 0)
				g->director = db_col_int(st, 0);
			g->office_unit = db_col_int(st, 1);
		} else if (n < 2) {
			g->staff[n++] = db_col_int(st, 0);
			g->office_unit = db_col_int(st, 1);
		}
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (n == 0 || g->director == 0)
		return XA_ENOTFOUND;
	if (n == 1)
		g->staff[1] = g->staff[0];
	return XA_OK;
}

/* The start of the semester now is in (1 September or 1 February, as
 * the prevention records count them), at least two months back. */
static int64_t
semester_start(int64_t now)
{
	char s[11], from[24];
	day_format(day_of(now, ZONE), s);
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	if (m >= 9)
		snprintf(from, sizeof from, "%04d-09-01", y % 10000);
	else if (m == 1)
		snprintf(from, sizeof from, "%04d-09-01", (y - 1) % 10000);
	else
		snprintf(from, sizeof from, "%04d-02-01", y % 10000);
	xa_day d = 0;
	int64_t t = day_parse(from, &d) == XA_OK ? day_start(d, ZONE) : now - 90 * DAY;
	return now - t < 60 * DAY ? now - 60 * DAY : t;
}

/* One event of the semester, run in time order. */
enum { EV_ITEM, EV_HANDLE, EV_RESPOND };
struct sd_event {
	int64_t t;
	int kind;
	int copy;		/* EV_ITEM: -1 the first item, else the copy */
	size_t story;
	int64_t by;
};

/* By time; a story's own events in the order they must run. */
static int
event_cmp(const void *a, const void *b)
{
	const struct sd_event *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->story != y->story)
		return x->story < y->story ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	return x->copy - y->copy;
}

/* Takes item c (-1: the story's own) of story s in at t. */
static xa_err
take_item(struct sd_ctx *g, const struct sm_matcher *m, size_t s, int c, int64_t t,
    int64_t by, size_t *items)
{
	const struct sd_story *st = &stories[s];
	const struct sd_copy *cp = c >= 0 ? &st->cp[c] : NULL;
	char src = cp ? cp->src : st->src;
	const char *url = cp ? cp->url : st->url;
	char title[SR_TITLE_MAX], body[SR_BODY_MAX], ext[SR_EXTID_MAX];
	int n1 = snprintf(title, sizeof title, "%s%s", cp && cp->pre ? cp->pre : "", st->title);
	int n2 = snprintf(body, sizeof body, "%s%s", st->body, cp && cp->post ? cp->post : "");
	int n3 = snprintf(ext, sizeof ext, "%s", url ? url : "");
	if (n1 < 0 || (size_t)n1 >= sizeof title || n2 < 0 || (size_t)n2 >= sizeof body ||
	    n3 < 0 || (size_t)n3 >= sizeof ext)
		return fail(g, s, "a text too long", XA_ETOOBIG);
	sr_item it;
	memset(&it, 0, sizeof it);
	it.outlet = cp ? cp->outlet : st->outlet;
	it.url = url;
	it.title = title;
	it.body = body;
	it.ext_id = ext[0] ? ext : NULL;
	it.published = src == S_HAND ? 0 : t - 60 - rnd_below(g, 25 * 60);
	switch (src) {
	case S_NEWS:
	case S_FORUM:
		it.source = SR_FEED;
		it.feed_id = g->feed[src == S_NEWS ? 0 : 1];
		break;
	case S_PUSH:
		it.source = SR_PUSH;
		it.token_id = g->token;
		break;
	default:
		it.source = SR_MANUAL;
		it.entered_by = by;
		break;
	}
	xa_err e = sm_match(m, title, strlen(title), body, strlen(body), &it.m);
	if (e != XA_OK)
		return fail(g, s, "matching", e);
	sr_outcome out;
	if ((e = sr_ingest(g->d, &it, t, &out)) != XA_OK)
		return fail(g, s, "taking the item in", e);
	if (c < 0 && out.kind != SR_ADDED)
		return fail(g, s, "its first item folded into another story", XA_EINVAL);
	if (c >= 0 && (out.kind != SR_FOLDED || out.story_id != g->story[s]))
		return fail(g, s, "a copy did not fold into its story", XA_EINVAL);
	if (c < 0) {
		g->story[s] = out.story_id;
		g->school[s] = it.m.school_id;
		g->first[s] = t;
		g->published[s] = it.published;
	}
	(*items)++;
	/* Who took it in: the office's hand, the service's call; the
	 * feeds' poller writes no record of its own. */
	if (it.source == SR_MANUAL)
		return audit(g, by, "sentiment.enter", "sentiment_item", out.id,
		    "title,body,url,outlet,published", t);
	if (it.source == SR_PUSH) {
		if ((e = sr_token_used(g->d, g->token, t)) != XA_OK)
			return fail(g, s, "the token's use", e);
		return audit(g, 0, "sentiment.push", "sentiment_token", g->token, "items", t);
	}
	return XA_OK;
}

/* The case of school nearest to t (opened at most 20 days after it), 0
 * when the school has none. */
static xa_err
case_near(struct sd_ctx *g, int64_t school, int64_t t, int64_t *id)
{
	db_stmt *st = NULL;
	*id = 0;
	if (school == 0)
		return XA_OK;
	xa_err e = db_prepare(g->d, "SELECT id FROM cases WHERE unit_id = ? AND opened_at <= ?"
	    " ORDER BY abs(opened_at - ?), id LIMIT 1", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, school);
	db_bind_int(st, 2, t + 20 * DAY);
	db_bind_int(st, 3, t);
	int rc = db_step(st);
	if (rc == 1)
		*id = db_col_int(st, 0);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* A report in the school's queue made from story s at, sealed as the
 * register's own "turn into a report" does (sentiment_http.c); *id gets
 * it. */
static xa_err
make_report(struct sd_ctx *g, size_t s, int64_t by, int64_t at, int64_t *id)
{
	const struct sd_story *st = &stories[s];
	int64_t queue = g->school[s] ? g->school[s] : g->office_unit;
	static const char *const src_names[] = { "feed", "push", "manual" };
	const char *src = src_names[st->src == S_PUSH ? 1 : st->src == S_HAND ? 2 : 0];
	char excerpt[901], got[17], pub[17];
	utf8_copy(excerpt, sizeof excerpt, st->body);
	time_format(g->first[s], ZONE, ' ', got);
	time_format(g->published[s], ZONE, ' ', pub);
	arena *a = arena_new(4096, 1u << 16);
	if (a == NULL)
		return XA_ENOMEM;
	const char *what = i18n_fill(a, "zh", "sentiment.report_what", "title", st->title,
	    "source", i18n_name("zh", "sentiment.source", src), "outlet", st->outlet, "url",
	    st->url ? st->url : "-", "excerpt", excerpt, NULL);
	const char *when = g->published[s] > 0 ? i18n_fill(a, "zh", "sentiment.report_when",
	    "published", pub, "received", got, NULL) : got;
	json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s}", "what", what ? what : "",
	    "when_text", when ? when : "", "place_text", "", "involved", "", "contact", "");
	arena_free(a);
	char *text = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	if (text == NULL)
		return XA_ENOMEM;
	size_t len = strlen(text), slen = 0;
	uint8_t key[32], wrapped[WRAPPED_KEY_LEN];
	uint8_t *sealed = malloc(len + CRYPTO_SEAL_OVERHEAD);
	xa_err e = sealed ? ckey_new(key, wrapped) : XA_ENOMEM;
	if (e == XA_OK)
		e = crypto_seal(key, text, len, sealed, len + CRYPTO_SEAL_OVERHEAD, &slen);
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(text, len);
	free(text);
	db_stmt *q = NULL;
	if (e == XA_OK)
		e = db_prepare(g->d, "INSERT INTO reports (unit_id, queue_unit_id, channel, wkey,"
		    " body, reporter, status, received_by, created_at, updated_at) VALUES (?, ?,"
		    " 'media', ?, ?, 'other', 'new', ?, ?, ?)", &q);
	if (e == XA_OK) {
		if (g->school[s])
			db_bind_int(q, 1, g->school[s]);
		else
			db_bind_null(q, 1);
		db_bind_int(q, 2, queue);
		db_bind_blob(q, 3, wrapped, sizeof wrapped);
		db_bind_blob(q, 4, sealed, slen);
		db_bind_int(q, 5, by);
		db_bind_int(q, 6, at);
		db_bind_int(q, 7, at);
		int rc = db_step(q);
		db_done(q);
		if (rc < 0)
			e = (xa_err)-rc;
	}
	free(sealed);
	if (e != XA_OK)
		return e;
	*id = db_last_id(g->d);
	if ((e = notify_report(g->d, *id, queue, by, at)) != XA_OK)
		return e;
	return audit(g, by, "report.create", "report", *id, "channel,unit_id,what,when_text", at);
}

/* The office's handling of story s at t; counts what it did. */
static xa_err
handle(struct sd_ctx *g, size_t s, int64_t t, int64_t by, int *dismissed, int *linked,
    int *reports)
{
	const struct sd_story *st = &stories[s];
	int64_t id = g->story[s], other = 0;
	xa_err e = XA_OK;
	switch (st->h) {
	case H_DISMISS:
		if ((e = sr_dismiss(g->d, id, st->reason, by, t)) == XA_OK) {
			(*dismissed)++;
			e = audit(g, by, "sentiment.dismiss", "sentiment_item", id, "state,reason", t);
		}
		break;
	case H_LINK:
		if ((e = case_near(g, g->school[s], t, &other)) != XA_OK)
			break;
		if (other != 0 && (e = sr_link_case(g->d, id, other, by, t)) == XA_OK) {
			(*linked)++;
			e = audit(g, by, "sentiment.link", "sentiment_item", id, "state,case_id", t);
			break;
		}
		/* No case of that school (a demo with fewer cases): verified. */
		if (e == XA_OK && (e = sr_verify(g->d, id, by, t)) == XA_OK)
			e = audit(g, by, "sentiment.verify", "sentiment_item", id, "state", t);
		break;
	case H_REPORT:
		if ((e = make_report(g, s, by, t, &other)) != XA_OK)
			break;
		if ((e = sr_set_report(g->d, id, other, by, t)) == XA_OK) {
			(*reports)++;
			e = audit(g, by, "sentiment.report", "sentiment_item", id,
			    "state,report_id", t);
		}
		break;
	case H_VERIFY:
		if ((e = sr_verify(g->d, id, by, t)) == XA_OK)
			e = audit(g, by, "sentiment.verify", "sentiment_item", id, "state", t);
		break;
	default:
		break;
	}
	return e == XA_OK ? XA_OK : fail(g, s, "handling", e);
}

/* The feeds, the services' tokens and the office's one lexicon edit, set
 * up before the semester. */
static xa_err
setup(struct sd_ctx *g, int64_t t0)
{
	static const char *const names[2] = { "河南教育新闻 RSS", "本地生活论坛" };
	static const char *const urls[2] = { "https://news.example.invalid/edu/rss.xml",
		"https://bbs.example.invalid/forum.php?mod=rss&fid=12" };
	char token[SR_TOKEN_LEN + 1];
	xa_err e = XA_OK;
	for (int i = 0; i < 2 && e == XA_OK; i++) {
		int64_t at = t0 - (6 - i) * DAY + 10 * HOUR;
		if ((e = sr_feed_add(g->d, names[i], urls[i], i == 0 ? 30 : 60, g->director, at,
		    &g->feed[i])) == XA_OK)
			e = audit(g, g->director, "sentiment.feed.add", "sentiment_feed", g->feed[i],
			    "name,url,interval_min", at);
	}
	/* A trial token, revoked once the service's contract was signed. */
	int64_t at = t0 - 20 * DAY + 15 * HOUR;
	if (e == XA_OK && (e = sr_token_issue(g->d, "某舆情监测服务（试用）", g->director, at,
	    token, &g->trial)) == XA_OK)
		e = audit(g, g->director, "sentiment.token.issue", "sentiment_token", g->trial,
		    "name", at);
	at = t0 - 4 * DAY + 9 * HOUR;
	if (e == XA_OK && (e = sr_token_revoke(g->d, g->trial, g->director, at)) == XA_OK)
		e = audit(g, g->director, "sentiment.token.revoke", "sentiment_token", g->trial,
		    "revoked_at", at);
	at += 20 * 60;
	if (e == XA_OK && (e = sr_token_issue(g->d, "某舆情监测服务", g->director, at, token,
	    &g->token)) == XA_OK)
		e = audit(g, g->director, "sentiment.token.issue", "sentiment_token", g->token,
		    "name", at);
	OPENSSL_cleanse(token, sizeof token);
	/* 薅头发 (pulling hair, as people here say it) was missing. */
	at = t0 - 2 * DAY + 16 * HOUR;
	if (e == XA_OK && (e = sr_term_set(g->d, "薅头发", 25, SM_PHYSICAL, g->director,
	    at)) == XA_OK)
		e = audit(g, g->director, "sentiment.term.set", "sentiment_term", 0,
		    "term,weight,cat", at);
	if (e != XA_OK)
		snprintf(g->err, g->errlen, "sentiment demo: the feeds and tokens: %s",
		    xa_strerror(e));
	return e;
}

/* The feeds' last polls: the forum's last one failed; both are switched
 * off, as a demo reads no outside address. */
static xa_err
feeds_end(struct sd_ctx *g, int64_t now)
{
	static const char *const names[2] = { "河南教育新闻 RSS", "本地生活论坛" };
	static const char *const urls[2] = { "https://news.example.invalid/edu/rss.xml",
		"https://bbs.example.invalid/forum.php?mod=rss&fid=12" };
	int64_t at = now - 3 * HOUR;
	xa_err e = sr_feed_polled(g->d, g->feed[0], 1, "\"5f2a-64c1e0\"",
	    "Mon, 30 Nov 2026 06:00:00 GMT", NULL, 0, at);
	if (e == XA_OK)
		e = sr_feed_polled(g->d, g->feed[1], 1, NULL, NULL, NULL, 0, at - 2 * HOUR);
	if (e == XA_OK)
		e = sr_feed_polled(g->d, g->feed[1], 0, NULL, NULL,
		    "HTTP 503 Service Unavailable", 0, at - HOUR);
	for (int i = 0; i < 2 && e == XA_OK; i++) {
		int64_t off = now - 30 * 60 + i * 60;
		if ((e = sr_feed_update(g->d, g->feed[i], names[i], urls[i], i == 0 ? 30 : 60, 0,
		    off)) == XA_OK)
			e = audit(g, g->director, "sentiment.feed.update", "sentiment_feed",
			    g->feed[i], "name,url,interval_min,enabled", off);
	}
	if (e != XA_OK)
		snprintf(g->err, g->errlen, "sentiment demo: the feeds' polls: %s",
		    xa_strerror(e));
	return e;
}

xa_err
sentiment_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err, size_t errlen)
{
	struct sd_ctx g;
	struct sm_matcher *m = NULL;
	struct sd_event *ev = NULL;
	size_t nev = 0, items = 0;
	int dismissed = 0, linked = 0, reports = 0, answered = 0;
	memset(&g, 0, sizeof g);
	g.d = d;
	g.r.s = seed ^ 0x73656e74696d6e74ULL;
	g.err = err;
	g.errlen = errlen;
	if (keys_get() == NULL) {
		snprintf(err, errlen, "sentiment demo: the keys are not loaded");
		return XA_ECONFIG;
	}
	g.akey = keys_get()->audit;
	xa_err e = load_office(&g);
	if (e != XA_OK) {
		snprintf(err, errlen, "sentiment demo: the office's accounts: %s", xa_strerror(e));
		return e;
	}
	int64_t t0 = semester_start(now), last = now - 8 * DAY;
	/* The handled stories fall between the third day and a week ago. */
	int64_t span = last - (t0 + 3 * DAY);
	if ((e = setup(&g, t0)) != XA_OK)
		return e;
	if ((e = sr_matcher_load(d, &m)) != XA_OK) {
		snprintf(err, errlen, "sentiment demo: the matcher: %s", xa_strerror(e));
		return e;
	}
	size_t cap = COUNT(stories) * 7;
	if ((ev = calloc(cap, sizeof *ev)) == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	for (size_t s = 0; s < COUNT(stories); s++) {
		const struct sd_story *st = &stories[s];
		int64_t t;
		if (st->when > 0) {
			t = t0 + 3 * DAY + span * st->when / 1000;
			/* On its hour of the day (local), give or take. */
			t = day_start(day_of(t, ZONE), ZONE) + st->hour * HOUR + rnd_below(&g, 50 * 60);
		} else {
			t = now + st->when * HOUR - rnd_below(&g, 40 * 60);
		}
		int64_t by = g.staff[rnd_below(&g, 2)];
		ev[nev++] = (struct sd_event){ t, EV_ITEM, -1, s, by };
		int64_t tl = t;
		for (int c = 0; c < 4 && st->cp[c].src != 0; c++) {
			int64_t tc = t + st->cp[c].after * 60 + rnd_below(&g, 600);
			if (tc > now - 60)
				tc = now - 60;
			ev[nev++] = (struct sd_event){ tc, EV_ITEM, c, s, by };
			tl = tc > tl ? tc : tl;
		}
		if (st->when <= 0 || st->h == H_NEW) {
			if (st->rtext != NULL) {
				snprintf(err, errlen, "sentiment demo: story %zu answered unhandled", s);
				e = XA_EINVAL;
				goto done;
			}
			continue;
		}
		/* Hand entries are handled by who entered them; a dismissal
		 * is the director's call about half the time. */
		int64_t hb = st->src == S_HAND ? by : st->h == H_DISMISS && rnd_below(&g, 2) ?
		    g.director : g.staff[rnd_below(&g, 2)];
		int64_t th = t + 2 * HOUR + rnd_below(&g, 22 * HOUR);
		ev[nev++] = (struct sd_event){ th, EV_HANDLE, 0, s, hb };
		if (st->rtext != NULL) {
			int64_t tr = (th > tl ? th : tl) + 3 * HOUR + rnd_below(&g, 20 * HOUR);
			ev[nev++] = (struct sd_event){ tr, EV_RESPOND, 0, s, hb };
		}
	}
	qsort(ev, nev, sizeof *ev, event_cmp);
	for (size_t i = 0; i < nev && e == XA_OK; i++) {
		struct sd_event *x = &ev[i];
		const struct sd_story *st = &stories[x->story];
		if (x->kind == EV_ITEM) {
			e = take_item(&g, m, x->story, x->copy, x->t, x->by, &items);
		} else if (x->kind == EV_HANDLE) {
			e = handle(&g, x->story, x->t, x->by, &dismissed, &linked, &reports);
		} else {
			/* Made public at x->t, recorded a little later. */
			int64_t rec = x->t + 20 * 60 + rnd_below(&g, 40 * 60);
			if ((e = sr_respond(d, g.story[x->story], st->rtext, st->rch, x->t, x->by,
			    rec)) != XA_OK) {
				e = fail(&g, x->story, "the response", e);
				break;
			}
			answered++;
			e = audit(&g, x->by, "sentiment.respond", "sentiment_item", g.story[x->story],
			    "response,response_channel,response_at", rec);
		}
	}
	if (e == XA_OK)
		e = feeds_end(&g, now);
	if (e == XA_OK && out != NULL)
		fprintf(out, "sentiment: %zu stories (%zu items), %d dismissed, %d linked to"
		    " cases, %d reports, %d answered\n", COUNT(stories), items, dismissed,
		    linked, reports, answered);
done:
	if (e != XA_OK && err[0] == '\0')
		snprintf(err, errlen, "sentiment demo: %s", xa_strerror(e));
	free(ev);
	sm_free(m);
	return e;
}
